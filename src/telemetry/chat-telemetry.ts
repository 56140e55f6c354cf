import { Injectable, Logger } from '@nestjs/common';
import type { Deployment } from '../config/model-catalog.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { UpstreamErrorKind } from '../providers/upstream-error.js';
import type { AttemptRecord } from '../common/errors/gateway-errors.js';

import type { ChatRequestContext, ChatRoute } from '../common/http/chat-route.js';

/**
 * How a chat request ended. `rejected`: refused before any upstream call (limits, validation,
 * unknown model); `failed`: every attempt failed before the first token; `interrupted`: the
 * answer broke off after it began; `cancelled`: the client went away.
 */
export type ChatOutcome = 'completed' | 'rejected' | 'failed' | 'interrupted' | 'cancelled';

/** One chat request, from arrival to its last byte: what a log line and the metrics record. */
export interface ChatRequestSummary extends ChatRequestContext {
  /** The model the client asked for, as sent (null: the rotation chose). */
  requestedModel: string | null;
  /** The deployment that answered, if one did. */
  deployment: { provider: string; model: string } | null;
  /** Upstream calls made, the answering one included. */
  attempts: number;
  /** The upstream calls that failed, in order, with the kind of failure (`rate_limited`, `timeout`, …). */
  failedAttempts: readonly AttemptRecord[];
  promptTokens: number;
  completionTokens: number;
  /** From arrival to the first token; null when none came. */
  timeToFirstTokenMs: number | null;
  /** From the answering attempt's start to its first token: the deployment's own, without the failed attempts before it. */
  answerFirstTokenMs: number | null;
  durationMs: number;
  outcome: ChatOutcome;
  /** The error code the client saw (`rate_limited`, `upstream_error`, …), or null. */
  errorCode: string | null;
  /** `hit`: answered from the response cache (no deployment, no tokens); `miss`: looked up, not found; null: not cacheable. */
  cache: 'hit' | 'miss' | null;
}

/** Why the limiter turned a deployment away before an upstream call. */
export type RefusalCause = 'limits' | 'circuit';

/** What chat serving reports as it happens; observers implement the parts they need. */
export interface ChatObserver {
  /** An upstream call failed (before or after its first token). */
  upstreamFailed?(deployment: Deployment, kind: UpstreamErrorKind): void;
  /** A request moved on from `from` to the next candidate after `reason`. */
  fellBack?(from: Deployment, reason: UpstreamErrorKind): void;
  /** The limiter or the circuit breaker turned the deployment away for one request. */
  refused?(deployment: Deployment, cause: RefusalCause): void;
  /** The provider reported its limits in a response's headers. */
  providerReported?(deployment: Deployment, report: RateLimitSnapshot): void;
  /** An answer began streaming from `deployment`; `streamEnded` follows exactly once. */
  streamStarted?(deployment: Deployment): void;
  streamEnded?(deployment: Deployment): void;
  /** Once per chat request, however it ended. */
  requestFinished?(summary: ChatRequestSummary): void;
  /** A request was answered from the response cache: `bytes` of stored answer replayed. */
  cacheHit?(route: ChatRoute, bytes: number): void;
  /** A cacheable request found nothing in the cache. */
  cacheMiss?(route: ChatRoute): void;
  /** A completed answer of `bytes` went into the cache. */
  cacheStored?(bytes: number): void;
}

type Event = keyof ChatObserver;

/**
 * The one place chat serving reports to: metrics, logs and per-key accounting subscribe here,
 * so the chat service knows none of them. An observer that throws is logged, never lets a
 * request fail.
 */
@Injectable()
export class ChatTelemetry {
  private readonly logger = new Logger('ChatTelemetry');
  private readonly observers: ChatObserver[] = [];

  subscribe(observer: ChatObserver): void {
    this.observers.push(observer);
  }

  emit<E extends Event>(event: E, ...args: Parameters<NonNullable<ChatObserver[E]>>): void {
    for (const observer of this.observers) {
      const handler = observer[event] as ((...handlerArgs: typeof args) => void) | undefined;
      if (!handler) continue;
      try {
        handler.apply(observer, args);
      } catch (error) {
        this.logger.error(`An observer of ${event} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
