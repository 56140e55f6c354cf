import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ClientGoneError } from '../common/errors/gateway-errors.js';
import type { Environment } from '../config/environment.js';
import type { Deployment } from '../config/model-catalog.js';
import { Lifecycle } from '../lifecycle/lifecycle.service.js';
import type { UpstreamChunk } from '../providers/provider-adapter.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { UpstreamError } from '../providers/upstream-error.js';
import { FailureLearning } from '../usage/failure-learning.js';
import type { Reservation } from '../usage/usage-tracker.service.js';
import type { ChatCommand } from './chat-command.js';

/** One try of one deployment, admitted by the tracker. */
export interface Attempt {
  deployment: Deployment;
  reservation: Reservation;
  promptTokens: number;
  maxCompletionTokens: number;
}

/** An attempt whose first token has arrived, with what was read so far. */
export interface OpenedAttempt extends Attempt {
  controller: AbortController;
  iterator: AsyncIterator<UpstreamChunk[]>;
  /** The batches read while waiting for the first token. */
  buffered: UpstreamChunk[][];
  ended: boolean;
  /** Parameters this provider does not take, left out of the request. */
  droppedParameters: string[];
  detachClient: () => void;
  /** The provider's own bound on silence mid-stream, if it has one (else UPSTREAM_IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
}

/**
 * Sends one attempt upstream and waits for its first token, under the first-token timer. The
 * attempt is cut off when the client goes away or the shutdown's grace period ends.
 */
@Injectable()
export class AttemptOpener {
  private readonly firstTokenTimeoutMs: number;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly providers: ProviderRegistry,
    private readonly learning: FailureLearning,
    private readonly lifecycle: Lifecycle,
  ) {
    this.firstTokenTimeoutMs = config.get('UPSTREAM_FIRST_TOKEN_TIMEOUT_MS', { infer: true });
  }

  /**
   * Resolves once the first token has arrived (or the stream ended before one); rejects with
   * ClientGoneError, or an UpstreamError (`timeout` when the first-token timer fired).
   */
  async open(attempt: Attempt, command: ChatCommand, clientSignal: AbortSignal): Promise<OpenedAttempt> {
    const { deployment, maxCompletionTokens } = attempt;
    const adapter = this.providers.get(deployment.provider)!;
    // A fresh controller per attempt: the SDKs leave listeners on the signals they are given.
    const controller = new AbortController();
    const onClientGone = () => controller.abort();
    clientSignal.addEventListener('abort', onClientGone, { once: true });
    // The end of a shutdown's grace period cuts the attempt off like a client going away.
    this.lifecycle.interrupted.addEventListener('abort', onClientGone, { once: true });
    const detachClient = () => {
      clientSignal.removeEventListener('abort', onClientGone);
      this.lifecycle.interrupted.removeEventListener('abort', onClientGone);
    };
    let timedOut = false;
    const firstTokenTimeoutMs = adapter.timeouts.firstTokenMs ?? this.firstTokenTimeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, firstTokenTimeoutMs);

    try {
      // The command's generation options go as they are; each adapter leaves out what its provider does not take.
      const { messages, model: _model, temperature, maxTokens: _maxTokens, topP, droppedParameters: _dropped, context: _context, ...options } = command;
      const stream = await adapter.openStream(
        {
          ...options,
          model: deployment.id,
          messages,
          temperature: temperature ?? deployment.defaults.temperature,
          topP: topP ?? deployment.defaults.topP,
          maxCompletionTokens,
        },
        controller.signal,
      );
      if (stream.rateLimit) this.learning.recordProviderReport(deployment, stream.rateLimit);
      const iterator = stream.batches[Symbol.asyncIterator]();
      const buffered: UpstreamChunk[][] = [];
      let ended = false;
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          ended = true;
          break;
        }
        buffered.push(next.value);
        // Text, reasoning and a tool call are all output: once one is relayed, no fallback.
        if (next.value.some((chunk) => chunk.content || chunk.reasoning || chunk.toolCalls || chunk.finishReason)) break;
      }
      return { ...attempt, controller, iterator, buffered, ended, detachClient, droppedParameters: stream.droppedParameters, idleTimeoutMs: adapter.timeouts.idleMs };
    } catch (error) {
      controller.abort();
      detachClient();
      if (clientSignal.aborted) throw new ClientGoneError();
      if (timedOut) {
        throw new UpstreamError('timeout', `${deployment.provider} sent no token within ${firstTokenTimeoutMs} ms`);
      }
      throw error instanceof UpstreamError ? error : new UpstreamError('connection', `${deployment.provider} failed`);
    } finally {
      clearTimeout(timer);
    }
  }
}
