import { beforeEach, describe, expect, it, vi } from 'vitest';
import { deployment, FakeClock, fakeConfig } from '../../test/support/fixtures.js';
import { ClientGoneError, RateLimitedError, ShuttingDownError, UpstreamFailedError } from '../common/errors/gateway-errors.js';
import type { Deployment } from '../config/model-catalog.js';
import type { Environment } from '../config/environment.js';
import type { Lifecycle } from '../lifecycle/lifecycle.service.js';
import type { ModelCatalogService } from '../models/model-catalog.service.js';
import type { ModelSelector } from '../models/model-selector.service.js';
import { UpstreamError, type UpstreamErrorKind } from '../providers/upstream-error.js';
import type { ChatTelemetry } from '../telemetry/chat-telemetry.js';
import type { FailureLearning } from '../usage/failure-learning.js';
import { InMemoryLimitStore } from '../usage/in-memory-limit-store.js';
import { UsageTracker } from '../usage/usage-tracker.service.js';
import type { Attempt, AttemptOpener, OpenedAttempt } from './attempt-opener.js';
import type { ChatCommand, ChatEvent } from './chat-command.js';
import { ChatService } from './chat.service.js';
import type { StreamRelay } from './stream-relay.js';

const GENEROUS = { requestsPerMinute: 100, requestsPerDay: 10_000, tokensPerMinute: 1_000_000, tokensPerDay: 10_000_000 };
const first = deployment('groq', 'a', { model: 'shared', limits: GENEROUS });
const second = deployment('cerebras', 'b', { model: 'shared', limits: GENEROUS });
const command: ChatCommand = { messages: [{ role: 'user', content: 'hi' }] };
const ANSWER: ChatEvent[][] = [[{ type: 'delta', content: 'Hel' }], [{ type: 'delta', content: 'lo' }, { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } }]];

/** The failover loop over a real in-memory tracker, with the opener scripted per deployment. */
function setUp(options: { autoFallback?: boolean; outcomes: Record<string, UpstreamErrorKind | 'ok' | 'client-gone'>; draining?: boolean }) {
  const clock = new FakeClock(Date.parse('2026-03-04T10:20:30.000Z'));
  const tracker = new UsageTracker(clock, null, new InMemoryLimitStore(clock));
  const opened: string[] = [];
  const opener = {
    open: async (attempt: Attempt): Promise<OpenedAttempt> => {
      opened.push(attempt.deployment.key);
      const outcome = options.outcomes[attempt.deployment.key];
      if (outcome === 'client-gone') throw new ClientGoneError();
      if (outcome !== 'ok') throw new UpstreamError(outcome!, `${attempt.deployment.provider} failed`);
      return { ...attempt, droppedParameters: [] } as unknown as OpenedAttempt;
    },
  };
  const relay = {
    relay: (opened: OpenedAttempt) => {
      tracker.settle(opened.reservation, 'completed');
      return (async function* () {
        yield* ANSWER;
      })();
    },
  };
  const learning = { learn: vi.fn<FailureLearning['learn']>() };
  const telemetry = { emit: vi.fn<(event: string, ...rest: unknown[]) => void>() };
  const lifecycle = { draining: options.draining ?? false, interrupted: new AbortController().signal };
  const selector = {
    candidates: () => ({ ordered: [first, second], shared: { candidates: [first, second], ordering: 'given' } }),
    withinContextWindows: (plan: unknown) => ({ plan, tooSmall: [] }),
  };
  const config = fakeConfig({ AUTO_FALLBACK: options.autoFallback ?? true, DEFAULT_COOLDOWN_MS: 30_000, MAX_MESSAGES: 256, MAX_INPUT_CHARS: 400_000 } as Partial<Environment>);
  const service = new ChatService(
    config,
    selector as unknown as ModelSelector,
    tracker,
    learning as unknown as FailureLearning,
    opener as unknown as AttemptOpener,
    relay as unknown as StreamRelay,
    clock,
    telemetry as unknown as ChatTelemetry,
    lifecycle as unknown as Lifecycle,
    { deployments: [first, second] } as unknown as ModelCatalogService,
  );
  const inFlight = (target: Deployment) => tracker.counters(target.key).inFlight;
  const emitted = (event: string) => telemetry.emit.mock.calls.filter(([name]) => name === event);
  return { service, tracker, opened, learning, emitted, inFlight };
}

describe('ChatService', () => {
  let signal: AbortSignal;

  beforeEach(() => {
    signal = new AbortController().signal;
  });

  it('falls back to the next candidate when the first fails before its first token, and says so in meta', async () => {
    const { service, opened, learning, emitted, tracker, inFlight } = setUp({ outcomes: { 'groq/a': 'rate_limited', 'cerebras/b': 'ok' } });

    const session = await service.start(command, signal);

    expect(opened).toEqual(['groq/a', 'cerebras/b']);
    expect(session.deployment.key).toBe('cerebras/b');
    expect(session.meta.attempts).toEqual([{ model: 'a', provider: 'groq', error: 'rate_limited' }]);
    expect(learning.learn).toHaveBeenCalledWith(first, expect.objectContaining({ kind: 'rate_limited' }));
    expect(emitted('fellBack')).toHaveLength(1);
    expect(tracker.counters('groq/a')).toMatchObject({ failures: 1, fallbacks: 1 });
    expect(inFlight(first)).toBe(0);
  });

  it('without AUTO_FALLBACK tries the first candidate only and ends in the error its failure calls for', async () => {
    const { service, opened } = setUp({ autoFallback: false, outcomes: { 'groq/a': 'rate_limited', 'cerebras/b': 'ok' } });

    await expect(service.start(command, signal)).rejects.toBeInstanceOf(RateLimitedError);
    expect(opened).toEqual(['groq/a']);
  });

  it('stops at a failure no other deployment could avoid (the request was aborted upstream)', async () => {
    const { service, opened } = setUp({ outcomes: { 'groq/a': 'aborted', 'cerebras/b': 'ok' } });

    await expect(service.start(command, signal)).rejects.toBeInstanceOf(UpstreamFailedError);
    expect(opened).toEqual(['groq/a']);
  });

  it('when every candidate fails, fails with every attempt listed and nothing left reserved', async () => {
    const { service, inFlight } = setUp({ outcomes: { 'groq/a': 'server_error', 'cerebras/b': 'connection' } });

    const error = await service.start(command, signal).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect((error as UpstreamFailedError).details.attempts).toEqual([
      { model: 'a', provider: 'groq', error: 'server_error' },
      { model: 'b', provider: 'cerebras', error: 'connection' },
    ]);
    expect([inFlight(first), inFlight(second)]).toEqual([0, 0]);
  });

  it('a client that leaves while an attempt opens is its cancellation: no learning, no failure booked, no fallback', async () => {
    const { service, opened, learning, tracker, inFlight } = setUp({ outcomes: { 'groq/a': 'client-gone', 'cerebras/b': 'ok' } });

    await expect(service.start(command, signal)).rejects.toBeInstanceOf(ClientGoneError);
    expect(opened).toEqual(['groq/a']);
    expect(learning.learn).not.toHaveBeenCalled();
    expect(tracker.counters('groq/a')).toMatchObject({ failures: 0, cancellations: 1 });
    expect(inFlight(first)).toBe(0);
  });

  it('refuses new requests while shutting down, before reserving anything', async () => {
    const { service, opened, tracker } = setUp({ draining: true, outcomes: { 'groq/a': 'ok' } });

    await expect(service.start(command, signal)).rejects.toBeInstanceOf(ShuttingDownError);
    expect(opened).toEqual([]);
    expect(tracker.counters('groq/a').requests).toBe(0);
  });

  it('complete() gathers the deltas into one answer with the provider usage', async () => {
    const { service } = setUp({ outcomes: { 'groq/a': 'ok' } });

    const completion = await service.complete(command, signal);

    expect(completion).toMatchObject({ content: 'Hello', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } });
  });
});
