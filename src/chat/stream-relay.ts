import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ClientGoneError, StreamInterruptedError } from '../common/errors/gateway-errors.js';
import type { Environment } from '../config/environment.js';
import { Lifecycle } from '../lifecycle/lifecycle.service.js';
import type { TokenUsage, UpstreamChunk } from '../providers/provider-adapter.js';
import { UpstreamError, type UpstreamErrorKind } from '../providers/upstream-error.js';
import { ChatTelemetry, type ChatOutcome } from '../telemetry/chat-telemetry.js';
import { UsageTracker, type AttemptOutcome } from '../usage/usage-tracker.service.js';
import type { OpenedAttempt } from './attempt-opener.js';
import type { ChatEvent } from './chat-command.js';
import { requestSummary, type RequestRecord } from './request-record.js';

/**
 * Relays an opened attempt to the caller under the idle timer, and however it ends settles the
 * reservation with the usage (reported, else estimated) and reports the request's end.
 */
@Injectable()
export class StreamRelay {
  private readonly idleTimeoutMs: number;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly tracker: UsageTracker,
    private readonly telemetry: ChatTelemetry,
    private readonly lifecycle: Lifecycle,
  ) {
    this.idleTimeoutMs = config.get('UPSTREAM_IDLE_TIMEOUT_MS', { infer: true });
  }

  /** Relays an opened stream to the caller and settles its reservation however it ends. */
  async *relay(opened: OpenedAttempt, clientSignal: AbortSignal, record: RequestRecord): AsyncGenerator<ChatEvent[]> {
    const { deployment, controller, iterator } = opened;
    this.telemetry.emit('streamStarted', deployment);
    let interruption: string | null = null;
    let usage: TokenUsage | undefined;
    let finishReason = 'stop';
    let deliveredCharacters = 0;
    let outcome: AttemptOutcome = 'cancelled';
    let failure: UpstreamErrorKind | undefined;
    let stalled = false;
    // The idle timer measures the provider only: while the relay is suspended at `yield`, the
    // writer is waiting for a slow client, which is the client's fault (CLIENT_WRITE_TIMEOUT_MS
    // bounds that), not a stalled upstream. A tick that lands then is ignored; the next read
    // re-arms the timer in full.
    let awaitingUpstream = false;
    const idleTimeoutMs = opened.idleTimeoutMs ?? this.idleTimeoutMs;
    const idleTimer = setTimeout(() => {
      if (!awaitingUpstream) return;
      stalled = true;
      controller.abort();
    }, idleTimeoutMs);

    const deltas = (batch: UpstreamChunk[]): ChatEvent[] => {
      const events: ChatEvent[] = [];
      for (const chunk of batch) {
        if (chunk.usage) usage = chunk.usage;
        if (chunk.finishReason) finishReason = chunk.finishReason;
        if (chunk.reasoning) {
          deliveredCharacters += chunk.reasoning.length;
          events.push({ type: 'reasoning', text: chunk.reasoning });
        }
        if (chunk.content) {
          deliveredCharacters += chunk.content.length;
          events.push({ type: 'delta', content: chunk.content });
        }
        if (chunk.toolCalls) {
          for (const call of chunk.toolCalls) deliveredCharacters += (call.function?.name?.length ?? 0) + (call.function?.arguments?.length ?? 0);
          events.push({ type: 'tool_calls', calls: chunk.toolCalls });
        }
      }
      return events;
    };

    try {
      let pending: ChatEvent[] = opened.buffered.flatMap(deltas);
      let ended = opened.ended;
      while (!ended) {
        if (pending.length > 0) yield pending;
        idleTimer.refresh();
        awaitingUpstream = true;
        const next = await iterator.next();
        awaitingUpstream = false;
        if (next.done) ended = true;
        pending = next.done ? [] : deltas(next.value);
      }
      outcome = 'completed';
      usage ??= estimatedUsage(opened.promptTokens, deliveredCharacters);
      // The last deltas and `done` usually arrive in one read: they leave in one write too.
      pending.push({ type: 'done', finishReason, usage });
      yield pending;
    } catch (error) {
      if (clientSignal.aborted) throw new ClientGoneError();
      if (this.lifecycle.interrupted.aborted) {
        // Not the deployment's fault: booked like a cancellation, told to the client as a cut-off.
        interruption = 'shutting_down';
        throw new StreamInterruptedError('shutting_down', 'The gateway is shutting down; the answer is incomplete.');
      }
      outcome = 'failed';
      failure = stalled ? 'timeout' : error instanceof UpstreamError ? error.kind : 'connection';
      interruption = stalled ? 'upstream_timeout' : 'upstream_error';
      this.telemetry.emit('upstreamFailed', deployment, failure);
      if (stalled) {
        throw new StreamInterruptedError(
          'upstream_timeout',
          `${deployment.provider} sent nothing for ${idleTimeoutMs} ms; the answer is incomplete.`,
        );
      }
      throw new StreamInterruptedError(
        'upstream_error',
        `${deployment.provider} stream failed (${failure}); the answer is incomplete.`,
      );
    } finally {
      clearTimeout(idleTimer);
      if (outcome !== 'completed') controller.abort();
      opened.detachClient();
      const booked = usage ?? estimatedUsage(opened.promptTokens, deliveredCharacters);
      this.tracker.settle(opened.reservation, outcome, booked, failure);
      this.telemetry.emit('streamEnded', deployment);
      const ended: ChatOutcome = outcome === 'failed' || interruption ? 'interrupted' : outcome;
      this.telemetry.emit('requestFinished', requestSummary(record, ended, interruption, deployment, booked));
    }
  }
}

/** chars/4 for the completion, when the provider reported no usage. */
function estimatedUsage(promptTokens: number, completionCharacters: number): TokenUsage {
  const completionTokens = Math.ceil(completionCharacters / 4);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}
