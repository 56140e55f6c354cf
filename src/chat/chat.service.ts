import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ClientGoneError, GatewayError, ShuttingDownError, UpstreamFailedError, UpstreamTimeoutError } from '../common/errors/gateway-errors.js';
import type { Environment } from '../config/environment.js';
import type { Deployment } from '../config/model-catalog.js';
import { Lifecycle } from '../lifecycle/lifecycle.service.js';
import { ModelCatalogService } from '../models/model-catalog.service.js';
import { ModelSelector } from '../models/model-selector.service.js';
import type { UpstreamError } from '../providers/upstream-error.js';
import { ChatTelemetry, type ChatOutcome } from '../telemetry/chat-telemetry.js';
import { Clock } from '../usage/clock.js';
import { FailureLearning } from '../usage/failure-learning.js';
import { UsageTracker, type Refusal, type Reservation } from '../usage/usage-tracker.service.js';
import { AttemptOpener } from './attempt-opener.js';
import { RESPONSE_CACHE } from './cache/response-cache.provider.js';
import type { CachedAnswer, ResponseCache } from './cache/response-cache.js';
import { estimatePromptTokens, requiredCapabilities, type ChatCommand, type ChatCompletion, type ChatEvent, type ChatSession } from './chat-command.js';
import { collectCompletion } from './completion.js';
import { chooseFinalError } from './final-error.js';
import { requestSummary, type RequestRecord } from './request-record.js';
import { checkRequestSize, exceedsRequestSize, type RequestSizeLimits } from './request-size.js';
import { StreamRelay } from './stream-relay.js';

/**
 * Picks deployments, enforces limits, fails over until the first token, then hands the stream to
 * the relay, which books its usage. Throws domain errors; knows nothing of HTTP.
 */
@Injectable()
export class ChatService {
  private readonly autoFallback: boolean;
  private readonly defaultCooldownMs: number;
  private readonly sizeLimits: RequestSizeLimits;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly selector: ModelSelector,
    private readonly tracker: UsageTracker,
    private readonly learning: FailureLearning,
    private readonly opener: AttemptOpener,
    private readonly relay: StreamRelay,
    private readonly clock: Clock,
    private readonly telemetry: ChatTelemetry,
    private readonly lifecycle: Lifecycle,
    private readonly catalog: ModelCatalogService,
    // Null with CACHE=off (and in unit specs that build the service by hand).
    @Optional() @Inject(RESPONSE_CACHE) private readonly cache: ResponseCache | null = null,
  ) {
    this.autoFallback = config.get('AUTO_FALLBACK', { infer: true });
    this.defaultCooldownMs = config.get('DEFAULT_COOLDOWN_MS', { infer: true });
    this.sizeLimits = { maxMessages: config.get('MAX_MESSAGES', { infer: true }), maxInputChars: config.get('MAX_INPUT_CHARS', { infer: true }) };
  }

  /** Starts an answer: resolves once a deployment has sent its first token. */
  async start(command: ChatCommand, signal: AbortSignal): Promise<ChatSession> {
    const record = newRecord(command);
    try {
      if (this.lifecycle.draining) throw new ShuttingDownError();
      checkRequestSize(command, this.sizeLimits);
      const lookup = this.cache?.lookup(command, record.context.cacheDirective ?? 'default') ?? null;
      if (!lookup) return await this.begin(command, signal, record);
      const hit = await this.cache!.replay(lookup, record.context.requestId, this.deploymentOf);
      if (hit) return this.replay(hit, record);
      this.telemetry.emit('cacheMiss', record.context.route);
      record.cache = 'miss';
      const session = await this.begin(command, signal, record);
      return this.cache!.record(lookup, session, (bytes) => this.telemetry.emit('cacheStored', bytes));
    } catch (error) {
      // From here on the relay reports the request; until here, this is its end.
      const outcome: ChatOutcome =
        error instanceof ClientGoneError ? 'cancelled' : error instanceof UpstreamFailedError || error instanceof UpstreamTimeoutError ? 'failed' : 'rejected';
      this.telemetry.emit('requestFinished', requestSummary(record, outcome, error instanceof GatewayError ? error.code : null));
      throw error;
    }
  }

  /**
   * The stored answer for a request the cache may answer, or null (not cacheable, not stored, or
   * a request `start` would refuse): nothing is reported or counted until `startCached` serves it.
   */
  async findCached(command: ChatCommand): Promise<CachedAnswer | null> {
    const context = command.context;
    if (!this.cache || !context || this.lifecycle.draining || exceedsRequestSize(command, this.sizeLimits)) return null;
    const lookup = this.cache.lookup(command, context.cacheDirective ?? 'default');
    return lookup && this.cache.replay(lookup, context.requestId, this.deploymentOf);
  }

  /** Serves an answer `findCached` found, as `start` would have. */
  startCached(command: ChatCommand, answer: CachedAnswer): ChatSession {
    return this.replay(answer, newRecord(command));
  }

  private readonly deploymentOf = (key: string): Deployment | undefined => this.catalog.deployments.find((deployment) => deployment.key === key);

  /**
   * A cached answer: no deployment, no limits, no upstream call. Reported like any request once
   * it has been written (or the client left), with no tokens charged to anyone.
   */
  private replay({ meta, deployment, events, bytes }: CachedAnswer, record: RequestRecord): ChatSession {
    this.telemetry.emit('cacheHit', record.context.route, bytes);
    record.cache = 'hit';
    record.firstTokenAt = performance.now();
    record.attemptStartedAt = record.firstTokenAt;
    const telemetry = this.telemetry;
    async function* replayed(): AsyncGenerator<ChatEvent[]> {
      let outcome: ChatOutcome = 'cancelled';
      try {
        yield events;
        outcome = 'completed';
      } finally {
        telemetry.emit('requestFinished', requestSummary(record, outcome, null));
      }
    }
    return { meta, deployment, events: replayed() };
  }

  private async begin(command: ChatCommand, signal: AbortSignal, record: RequestRecord): Promise<ChatSession> {
    const { requestId } = record.context;
    const candidates = this.selector.candidates(command.model, record.context.allowedModels, requiredCapabilities(command));
    const promptTokens = estimatePromptTokens(command.messages, command.tools);
    const maxCompletionTokensFor = (deployment: Deployment) => command.maxTokens ?? deployment.defaults.maxCompletionTokens;
    const tokensFor = (deployment: Deployment) => promptTokens + maxCompletionTokensFor(deployment);
    // A deployment the request cannot fit would answer a certain 400: skipped, and named in the attempts.
    const { plan, tooSmall } = this.selector.withinContextWindows(candidates, tokensFor);
    for (const deployment of tooSmall) record.failures.push({ model: deployment.id, provider: deployment.provider, error: 'context_window_exceeded' });
    const failures: UpstreamError[] = [];
    // Without fallback only the first candidate in the rotation's order is ever considered.
    const first = await this.tracker.reserveFirst(plan, tokensFor, this.autoFallback ? Number.POSITIVE_INFINITY : 1);
    const blocked: Refusal[] = [...first.refusals];
    for (const refusal of first.refusals) this.telemetry.emit('refused', refusal.deployment, refusal.blockedBy);
    const { order } = first;

    for (let position = first.admitted?.position ?? order.length; position < order.length; position++) {
      const deployment = order[position]!;
      if (position > 0 && !this.autoFallback) break;
      if (signal.aborted) {
        if (position === first.admitted?.position) this.tracker.settle(first.admitted.reservation, 'cancelled');
        throw new ClientGoneError();
      }
      let reservation: Reservation;
      if (position === first.admitted?.position) {
        reservation = first.admitted.reservation;
      } else {
        // An earlier attempt of this request may have learned it cannot serve (a rejected key).
        if (this.tracker.unavailableReason(deployment.key)) continue;
        const admission = await this.tracker.reserve(deployment, tokensFor(deployment));
        if (!admission.admitted) {
          blocked.push({ deployment, retryAt: admission.retryAt, reason: admission.reason, blockedBy: admission.blockedBy });
          this.telemetry.emit('refused', deployment, admission.blockedBy);
          continue;
        }
        reservation = admission.reservation;
      }
      try {
        const attempt = { deployment, reservation, promptTokens, maxCompletionTokens: maxCompletionTokensFor(deployment) };
        record.attempts += 1;
        record.attemptStartedAt = performance.now();
        const opened = await this.opener.open(attempt, command, signal);
        record.firstTokenAt = performance.now();
        const droppedParameters = [...(command.droppedParameters ?? []), ...opened.droppedParameters];
        const meta = { requestId, model: deployment.id, provider: deployment.provider, attempts: record.failures, droppedParameters };
        return { meta, deployment, events: this.relay.relay(opened, signal, record) };
      } catch (error) {
        if (error instanceof ClientGoneError || this.lifecycle.interrupted.aborted) {
          this.tracker.settle(reservation, 'cancelled');
          throw error instanceof ClientGoneError ? error : new ShuttingDownError();
        }
        const failure = error as UpstreamError;
        // Learned first, so the provider's report travels with the settle to the other replicas.
        this.learning.learn(deployment, failure);
        this.tracker.settle(reservation, 'failed', undefined, failure.kind);
        this.telemetry.emit('upstreamFailed', deployment, failure.kind);
        record.failures.push({ model: deployment.id, provider: deployment.provider, error: failure.kind });
        failures.push(failure);
        if (!failure.worthFallingBack) break;
        if (this.autoFallback && position < order.length - 1) {
          this.tracker.recordFallback(deployment.key);
          this.telemetry.emit('fellBack', deployment, failure.kind);
        }
      }
    }
    throw chooseFinalError(record.failures, failures, blocked, this.clock.now(), this.defaultCooldownMs);
  }

  /** The whole answer at once (`stream: false`). */
  async complete(command: ChatCommand, signal: AbortSignal): Promise<ChatCompletion> {
    return collectCompletion(await this.start(command, signal));
  }
}

function newRecord(command: ChatCommand): RequestRecord {
  return {
    context: command.context ?? { requestId: randomUUID(), route: 'chat', client: null, allowedModels: null },
    requestedModel: command.model ?? null,
    startedAt: performance.now(),
    attempts: 0,
    failures: [],
    firstTokenAt: null,
  };
}
