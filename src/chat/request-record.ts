import type { AttemptRecord } from '../common/errors/gateway-errors.js';
import type { Deployment } from '../config/model-catalog.js';
import type { TokenUsage } from '../providers/provider-adapter.js';
import type { ChatRequestContext } from '../common/http/chat-route.js';
import type { ChatOutcome, ChatRequestSummary } from '../telemetry/chat-telemetry.js';

/** What is known of a request while it is served, for its summary. */
export interface RequestRecord {
  context: ChatRequestContext;
  requestedModel: string | null;
  startedAt: number;
  attempts: number;
  /** The attempts that failed, in order, with why. */
  failures: AttemptRecord[];
  firstTokenAt: number | null;
  /** When the latest attempt went upstream (the answering one, once a token came). */
  attemptStartedAt?: number;
  /** Served from the response cache, or looked up there and not found. */
  cache?: 'hit' | 'miss';
}

/** The request's end, as reported once (`requestFinished`), by the chat service or the relay. */
export function requestSummary(
  record: RequestRecord,
  outcome: ChatOutcome,
  errorCode: string | null,
  answered?: Deployment,
  usage?: TokenUsage,
): ChatRequestSummary {
  const { cacheDirective: _directive, ...context } = record.context;
  return {
    ...context,
    requestedModel: record.requestedModel,
    deployment: answered ? { provider: answered.provider, model: answered.id } : null,
    attempts: record.attempts,
    failedAttempts: record.failures,
    promptTokens: usage?.promptTokens ?? 0,
    completionTokens: usage?.completionTokens ?? 0,
    timeToFirstTokenMs: record.firstTokenAt === null ? null : record.firstTokenAt - record.startedAt,
    answerFirstTokenMs: record.firstTokenAt === null ? null : record.firstTokenAt - (record.attemptStartedAt ?? record.startedAt),
    durationMs: performance.now() - record.startedAt,
    outcome,
    errorCode,
    cache: record.cache ?? null,
  };
}
