import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ControlledUpstream } from '../../test/support/controlled-upstream.js';
import { deployment, fakeConfig, fakeRegistry } from '../../test/support/fixtures.js';
import { ClientGoneError } from '../common/errors/gateway-errors.js';
import type { Lifecycle } from '../lifecycle/lifecycle.service.js';
import type { ProviderAdapter, UpstreamRequest, UpstreamStream } from '../providers/provider-adapter.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import { UpstreamError } from '../providers/upstream-error.js';
import type { FailureLearning } from '../usage/failure-learning.js';
import type { Reservation } from '../usage/usage-tracker.service.js';
import { AttemptOpener, type Attempt } from './attempt-opener.js';
import type { ChatCommand } from './chat-command.js';

const FIRST_TOKEN_TIMEOUT_MS = 1_000;

/** A provider whose response headers arrive when the test says, then streams a ControlledUpstream. */
class FakeProvider {
  readonly name = 'groq';
  readonly apiKeyVariable = 'GROQ_API_KEY';
  readonly configured = true;
  timeouts: { firstTokenMs?: number } = {};
  request!: UpstreamRequest;
  signal!: AbortSignal;
  upstream!: ControlledUpstream;
  answer!: (rateLimit?: RateLimitSnapshot) => void;
  refuse!: (error: unknown) => void;

  openStream(request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamStream> {
    this.request = request;
    this.signal = signal;
    this.upstream = new ControlledUpstream(signal);
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new UpstreamError('aborted', 'groq request aborted')), { once: true });
      this.answer = (rateLimit) => resolve({ rateLimit: rateLimit ?? null, batches: this.upstream, droppedParameters: [] });
      this.refuse = reject;
    });
  }
}

/** What the promise has come to so far, without waiting for it. */
function watch<T>(promise: Promise<T>): { result?: T; error?: unknown; settled: boolean } {
  const state: { result?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (result) => Object.assign(state, { result, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

describe('AttemptOpener', () => {
  const target = deployment('groq', 'm', { defaults: { temperature: 0.5, maxCompletionTokens: 1_024, topP: 0.9 } });
  const attempt: Attempt = { deployment: target, reservation: {} as Reservation, promptTokens: 12, maxCompletionTokens: 256 };
  const command: ChatCommand = { messages: [{ role: 'user', content: 'Hello' }], temperature: 0.2, seed: 7 };
  let provider: FakeProvider;
  let client: AbortController;
  let shutdown: AbortController;
  let reports: RateLimitSnapshot[];
  let opener: AttemptOpener;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    provider = new FakeProvider();
    client = new AbortController();
    shutdown = new AbortController();
    reports = [];
    const learning = { recordProviderReport: (_deployment: unknown, report: RateLimitSnapshot) => reports.push(report) } as unknown as FailureLearning;
    const lifecycle = { interrupted: shutdown.signal } as Lifecycle;
    opener = new AttemptOpener(
      fakeConfig({ UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: FIRST_TOKEN_TIMEOUT_MS }),
      fakeRegistry(provider as unknown as ProviderAdapter),
      learning,
      lifecycle,
    );
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the request with the deployment defaults under the command, and resolves at the first token with what was read until then', async () => {
    const opening = opener.open(attempt, command, client.signal);
    provider.answer();
    provider.upstream.send({});
    provider.upstream.send({ content: 'Hi' }, { content: ' there' });
    const opened = await opening;

    expect(provider.request).toMatchObject({ model: 'm', temperature: 0.2, topP: 0.9, maxCompletionTokens: 256, seed: 7 });
    expect(opened.buffered).toEqual([[{}], [{ content: 'Hi' }, { content: ' there' }]]);
    expect(opened.ended).toBe(false);
    expect(opened.iterator).toBe(provider.upstream);
    expect(provider.upstream.reads).toBe(2);
  });

  it.each([
    ['a tool-call fragment', { toolCalls: [{ index: 0, id: 'call_1', type: 'function' as const, function: { name: 'weather', arguments: '' } }] }],
    ['a piece of reasoning', { reasoning: 'Let me think' }],
  ])('counts %s as the first token (output the client sees: no fallback after it)', async (_, chunk) => {
    const opening = opener.open(attempt, command, client.signal);
    provider.answer();
    provider.upstream.send({});
    provider.upstream.send(chunk);
    const opened = await opening;
    expect(opened.buffered).toEqual([[{}], [chunk]]);
    expect(provider.upstream.reads).toBe(2);
  });

  it('passes tools, tool choice and reasoning settings on to the adapter', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'weather' } }];
    const opening = opener.open(attempt, { ...command, tools, toolChoice: 'required', parallelToolCalls: false, reasoningEffort: 'high', reasoning: 'hidden' }, client.signal);
    provider.answer();
    provider.upstream.send({ content: 'x' });
    await opening;
    expect(provider.request).toMatchObject({ tools, toolChoice: 'required', parallelToolCalls: false, reasoningEffort: 'high', reasoning: 'hidden' });
  });

  it('resolves as ended when the stream ends before any token', async () => {
    const opening = opener.open(attempt, command, client.signal);
    provider.answer();
    provider.upstream.send({ usage: { promptTokens: 12, completionTokens: 0, totalTokens: 12 } });
    provider.upstream.end();
    const opened = await opening;
    expect(opened.ended).toBe(true);
    expect(opened.buffered).toHaveLength(1);
  });

  it('records the limits the provider reported in the response headers', async () => {
    const report: RateLimitSnapshot = { observedAt: '2026-03-04T10:20:30.000Z', windows: [] };
    const opening = opener.open(attempt, command, client.signal);
    provider.answer(report);
    provider.upstream.send({ content: 'Hi' });
    await opening;
    expect(reports).toEqual([report]);
  });

  it('gives up with a timeout, and cancels the upstream call, when no token arrives within UPSTREAM_FIRST_TOKEN_TIMEOUT_MS', async () => {
    const opening = watch(opener.open(attempt, command, client.signal));
    provider.answer();
    provider.upstream.send({});
    await vi.advanceTimersByTimeAsync(FIRST_TOKEN_TIMEOUT_MS - 1);
    expect(opening.settled).toBe(false);
    expect(provider.signal.aborted).toBe(false);

    await vi.advanceTimersByTimeAsync(1);
    expect(provider.signal.aborted).toBe(true);
    expect(opening.error).toBeInstanceOf(UpstreamError);
    expect(opening.error).toMatchObject({ kind: 'timeout', message: `groq sent no token within ${FIRST_TOKEN_TIMEOUT_MS} ms` });
  });

  it('counts the wait for the response headers against the first-token timer', async () => {
    const opening = watch(opener.open(attempt, command, client.signal));
    await vi.advanceTimersByTimeAsync(FIRST_TOKEN_TIMEOUT_MS);
    expect(opening.error).toMatchObject({ kind: 'timeout' });
  });

  it('stops the first-token timer once the first token is in', async () => {
    const opening = opener.open(attempt, command, client.signal);
    provider.answer();
    provider.upstream.send({ content: 'Hi' });
    await opening;
    await vi.advanceTimersByTimeAsync(FIRST_TOKEN_TIMEOUT_MS * 3);
    expect(provider.signal.aborted).toBe(false);
  });

  it('throws ClientGoneError and cancels the upstream call when the client goes away before the first token', async () => {
    const opening = watch(opener.open(attempt, command, client.signal));
    provider.answer();
    await vi.advanceTimersByTimeAsync(10);
    client.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(provider.signal.aborted).toBe(true);
    expect(opening.error).toBeInstanceOf(ClientGoneError);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('cancels the upstream call when the shutdown grace period ends, passing on the upstream failure', async () => {
    const opening = watch(opener.open(attempt, command, client.signal));
    shutdown.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(provider.signal.aborted).toBe(true);
    expect(opening.error).toMatchObject({ kind: 'aborted' });
  });

  it('keeps the client wired to the opened attempt until the relay detaches it', async () => {
    const opening = opener.open(attempt, command, client.signal);
    provider.answer();
    provider.upstream.send({ content: 'Hi' });
    const opened = await opening;
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(1);
    opened.detachClient();
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    client.abort();
    expect(opened.controller.signal.aborted).toBe(false);
  });

  it('passes an upstream failure on as it is, and turns anything else into a connection failure', async () => {
    const refused = watch(opener.open(attempt, command, client.signal));
    provider.refuse(new UpstreamError('rate_limited', 'groq answered 429'));
    await vi.advanceTimersByTimeAsync(0);
    expect(refused.error).toMatchObject({ kind: 'rate_limited', message: 'groq answered 429' });

    const broken = watch(opener.open(attempt, command, client.signal));
    provider.refuse(new TypeError('fetch failed'));
    await vi.advanceTimersByTimeAsync(0);
    expect(broken.error).toBeInstanceOf(UpstreamError);
    expect(broken.error).toMatchObject({ kind: 'connection', message: 'groq failed' });
  });
});
