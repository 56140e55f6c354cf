import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ControlledUpstream } from '../../test/support/controlled-upstream.js';
import { deployment, fakeConfig } from '../../test/support/fixtures.js';
import { ClientGoneError, StreamInterruptedError } from '../common/errors/gateway-errors.js';
import type { Lifecycle } from '../lifecycle/lifecycle.service.js';
import type { TokenUsage, UpstreamChunk } from '../providers/provider-adapter.js';
import { UpstreamError } from '../providers/upstream-error.js';
import { ChatTelemetry, type ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import type { Reservation, UsageTracker } from '../usage/usage-tracker.service.js';
import type { OpenedAttempt } from './attempt-opener.js';
import type { ChatEvent } from './chat-command.js';
import type { RequestRecord } from './request-record.js';
import { StreamRelay } from './stream-relay.js';

const IDLE_TIMEOUT_MS = 1_000;
const PROMPT_TOKENS = 20;

/** What the generator's next step has come to so far, without waiting for it. */
function watch(step: Promise<IteratorResult<ChatEvent[]>>): { value?: IteratorResult<ChatEvent[]>; error?: unknown; settled: boolean } {
  const state: { value?: IteratorResult<ChatEvent[]>; error?: unknown; settled: boolean } = { settled: false };
  step.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

async function readAll(stream: AsyncIterable<ChatEvent[]>): Promise<ChatEvent[][]> {
  const batches: ChatEvent[][] = [];
  for await (const batch of stream) batches.push(batch);
  return batches;
}

describe('StreamRelay', () => {
  const target = deployment('groq', 'm');
  const reservation = {} as Reservation;
  let settled: Array<{ reservation: Reservation; outcome: string; usage?: TokenUsage; failure?: string }>;
  let events: string[];
  let finished: ChatRequestSummary[];
  let client: AbortController;
  let shutdown: AbortController;
  let controller: AbortController;
  let upstream: ControlledUpstream;
  let detached: number;
  let relay: StreamRelay;

  /** The relay of an attempt opened with `buffered` already read. */
  const relayOf = (buffered: UpstreamChunk[][], ended = false): AsyncGenerator<ChatEvent[]> => {
    const opened: OpenedAttempt = {
      deployment: target,
      reservation,
      promptTokens: PROMPT_TOKENS,
      maxCompletionTokens: 100,
      controller,
      iterator: upstream,
      buffered,
      ended,
      detachClient: () => (detached += 1),
      droppedParameters: [],
    };
    const record: RequestRecord = { context: { requestId: 'r1', route: 'chat', client: null, allowedModels: null }, requestedModel: null, startedAt: 0, attempts: 1, failures: [], firstTokenAt: 5 };
    return relay.relay(opened, client.signal, record);
  };

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    settled = [];
    events = [];
    finished = [];
    detached = 0;
    client = new AbortController();
    shutdown = new AbortController();
    controller = new AbortController();
    upstream = new ControlledUpstream(controller.signal);
    const tracker = {
      settle: (reservation: Reservation, outcome: string, usage?: TokenUsage, failure?: string) => settled.push({ reservation, outcome, usage, failure }),
    } as unknown as UsageTracker;
    const telemetry = new ChatTelemetry();
    telemetry.subscribe({
      streamStarted: () => events.push('streamStarted'),
      streamEnded: () => events.push('streamEnded'),
      upstreamFailed: (_deployment, kind) => events.push(`upstreamFailed:${kind}`),
      requestFinished: (summary) => finished.push(summary),
    });
    relay = new StreamRelay(fakeConfig({ UPSTREAM_IDLE_TIMEOUT_MS: IDLE_TIMEOUT_MS }), tracker, telemetry, { interrupted: shutdown.signal } as Lifecycle);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('a stream that completes', () => {
    it('relays what was buffered, then one batch per read, then `done`', async () => {
      const usage = { promptTokens: 21, completionTokens: 3, totalTokens: 24 };
      const stream = relayOf([[{}], [{ content: 'Hel' }]]);
      expect((await stream.next()).value).toEqual([{ type: 'delta', content: 'Hel' }]);
      upstream.send({ content: 'lo' }, { content: ' you' });
      expect((await stream.next()).value).toEqual([
        { type: 'delta', content: 'lo' },
        { type: 'delta', content: ' you' },
      ]);
      upstream.send({ content: '!', finishReason: 'length' }, { usage });
      upstream.end();
      expect((await stream.next()).value).toEqual([{ type: 'delta', content: '!' }]);
      expect((await stream.next()).value).toEqual([{ type: 'done', finishReason: 'length', usage }]);
      expect((await stream.next()).done).toBe(true);
    });

    it('relays reasoning and tool-call fragments as their own events, and counts them in the estimated usage', async () => {
      const call = { index: 0, id: 'call_1', type: 'function' as const, function: { name: 'weather', arguments: '{"city":"Oslo"}' } };
      const stream = relayOf([[{ reasoning: 'Think' }]]);
      upstream.send({ toolCalls: [call], finishReason: 'tool_calls' });
      upstream.end();
      const batches = await readAll(stream);
      const completionTokens = Math.ceil(('Think'.length + 'weather'.length + call.function.arguments.length) / 4);
      expect(batches.flat()).toEqual([
        { type: 'reasoning', text: 'Think' },
        { type: 'tool_calls', calls: [call] },
        { type: 'done', finishReason: 'tool_calls', usage: { promptTokens: PROMPT_TOKENS, completionTokens, totalTokens: PROMPT_TOKENS + completionTokens } },
      ]);
    });

    it('settles the reservation as completed with the usage the provider reported, and reports the request once', async () => {
      const usage = { promptTokens: 21, completionTokens: 3, totalTokens: 24 };
      const stream = relayOf([[{ content: 'Hi' }]]);
      upstream.send({ finishReason: 'stop', usage });
      upstream.end();
      await readAll(stream);
      expect(settled).toEqual([{ reservation, outcome: 'completed', usage, failure: undefined }]);
      expect(controller.signal.aborted).toBe(false);
      expect(detached).toBe(1);
      expect(events).toEqual(['streamStarted', 'streamEnded']);
      expect(finished).toHaveLength(1);
      expect(finished[0]).toMatchObject({ outcome: 'completed', errorCode: null, deployment: { provider: 'groq', model: 'm' }, completionTokens: 3 });
    });

    it('sends the last deltas and `done` in one batch when they came in one read, with usage estimated (chars/4) when the provider reported none', async () => {
      const stream = relayOf([[{ content: 'Hello' }]], true);
      const batches = await readAll(stream);
      expect(batches).toHaveLength(1);
      const [batch] = batches;
      const estimate = { promptTokens: PROMPT_TOKENS, completionTokens: 2, totalTokens: PROMPT_TOKENS + 2 };
      expect(batch).toEqual([
        { type: 'delta', content: 'Hello' },
        { type: 'done', finishReason: 'stop', usage: estimate },
      ]);
      expect(settled[0]).toMatchObject({ outcome: 'completed', usage: estimate });
    });
  });

  describe('the idle timer', () => {
    it('does not fire while the consumer holds the stream (a slow client), however long', async () => {
      const stream = relayOf([[{ content: 'Hi' }]]);
      await stream.next();
      // The consumer is busy writing to a slow client: the relay is suspended at `yield`.
      await vi.advanceTimersByTimeAsync(IDLE_TIMEOUT_MS * 5);
      expect(controller.signal.aborted).toBe(false);

      const step = stream.next();
      await vi.advanceTimersByTimeAsync(IDLE_TIMEOUT_MS - 1);
      upstream.send({ content: ' there' });
      expect((await step).value).toEqual([{ type: 'delta', content: ' there' }]);
      upstream.end();
      expect(await readAll(stream)).toEqual([[{ type: 'done', finishReason: 'stop', usage: expect.any(Object) }]]);
      expect(settled[0]).toMatchObject({ outcome: 'completed' });
    });

    it('is re-armed by every read, so a steady trickle never trips it', async () => {
      const stream = relayOf([[{ content: 'a' }]]);
      await stream.next();
      for (let i = 0; i < 5; i++) {
        const step = stream.next();
        await vi.advanceTimersByTimeAsync(IDLE_TIMEOUT_MS - 1);
        upstream.send({ content: 'b' });
        await step;
      }
      expect(controller.signal.aborted).toBe(false);
    });

    it('fires when the upstream sends nothing for UPSTREAM_IDLE_TIMEOUT_MS: the upstream call is cancelled and the answer ends as a timeout', async () => {
      const stream = relayOf([[{ content: 'Hi' }]]);
      await stream.next();
      const step = watch(stream.next());
      await vi.advanceTimersByTimeAsync(IDLE_TIMEOUT_MS - 1);
      expect(step.settled).toBe(false);

      await vi.advanceTimersByTimeAsync(1);
      expect(controller.signal.aborted).toBe(true);
      expect(step.error).toBeInstanceOf(StreamInterruptedError);
      expect(step.error).toMatchObject({ code: 'upstream_timeout', message: `groq sent nothing for ${IDLE_TIMEOUT_MS} ms; the answer is incomplete.` });
      expect(settled).toEqual([{ reservation, outcome: 'failed', usage: { promptTokens: PROMPT_TOKENS, completionTokens: 1, totalTokens: PROMPT_TOKENS + 1 }, failure: 'timeout' }]);
      expect(events).toEqual(['streamStarted', 'upstreamFailed:timeout', 'streamEnded']);
      expect(finished[0]).toMatchObject({ outcome: 'interrupted', errorCode: 'upstream_timeout' });
    });
  });

  describe('however it ends, the reservation is settled once', () => {
    it('as failed when the upstream breaks off, with the failure kind', async () => {
      const stream = relayOf([[{ content: 'Hi' }]]);
      await stream.next();
      const step = watch(stream.next());
      upstream.fail(new UpstreamError('server_error', 'error frame'));
      await vi.advanceTimersByTimeAsync(0);
      expect(step.error).toMatchObject({ code: 'upstream_error', message: 'groq stream failed (server_error); the answer is incomplete.' });
      expect(controller.signal.aborted).toBe(true);
      expect(settled).toEqual([{ reservation, outcome: 'failed', usage: expect.any(Object), failure: 'server_error' }]);
      expect(events).toEqual(['streamStarted', 'upstreamFailed:server_error', 'streamEnded']);
      expect(finished).toEqual([expect.objectContaining({ outcome: 'interrupted', errorCode: 'upstream_error' })]);
    });

    it('as a connection failure when the upstream breaks with something other than an UpstreamError', async () => {
      const stream = relayOf([[{ content: 'Hi' }]]);
      await stream.next();
      const step = watch(stream.next());
      upstream.fail(new Error('socket hang up'));
      await vi.advanceTimersByTimeAsync(0);
      expect(step.error).toMatchObject({ code: 'upstream_error' });
      expect(settled[0]).toMatchObject({ outcome: 'failed', failure: 'connection' });
    });

    it('as cancelled when the consumer stops reading (the writer gave up on the client)', async () => {
      const stream = relayOf([[{ content: 'Hi' }]]);
      await stream.next();
      await stream.return(undefined);
      expect(controller.signal.aborted).toBe(true);
      expect(detached).toBe(1);
      expect(settled).toEqual([{ reservation, outcome: 'cancelled', usage: { promptTokens: PROMPT_TOKENS, completionTokens: 1, totalTokens: PROMPT_TOKENS + 1 }, failure: undefined }]);
      expect(events).toEqual(['streamStarted', 'streamEnded']);
      expect(finished).toEqual([expect.objectContaining({ outcome: 'cancelled', errorCode: null })]);
    });

    it('as cancelled, with ClientGoneError, when the client goes away during a read', async () => {
      const stream = relayOf([[{ content: 'Hi' }]]);
      await stream.next();
      const step = watch(stream.next());
      // The opener wired the client's signal to the attempt's controller.
      client.abort();
      controller.abort();
      await vi.advanceTimersByTimeAsync(0);
      expect(step.error).toBeInstanceOf(ClientGoneError);
      expect(settled).toEqual([expect.objectContaining({ outcome: 'cancelled', failure: undefined })]);
      expect(events).not.toContain('upstreamFailed:aborted');
    });

    it('as cancelled, told to the client as a cut-off, when the shutdown grace period ends', async () => {
      const stream = relayOf([[{ content: 'Hi' }]]);
      await stream.next();
      const step = watch(stream.next());
      shutdown.abort();
      controller.abort();
      await vi.advanceTimersByTimeAsync(0);
      expect(step.error).toMatchObject({ code: 'shutting_down' });
      expect(settled).toEqual([expect.objectContaining({ outcome: 'cancelled', failure: undefined })]);
      expect(finished).toEqual([expect.objectContaining({ outcome: 'interrupted', errorCode: 'shutting_down' })]);
    });
  });
});
