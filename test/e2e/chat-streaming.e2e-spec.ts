// POST /chat answer formats: SSE (meta, delta..., done | error, pings), plain text, and JSON.
import { describe, expect, it } from 'vitest';
import type { ProviderName } from '../support/simulator/provider-simulator.js';
import { gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, postChat } from '../support/gateway-harness.js';
import { dataOf, eventNames, readSse, SseStream } from '../support/sse-stream.js';

const start = gatewayPerTest();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PROVIDERS: ProviderName[] = ['groq', 'cerebras'];

/** Every case once per provider. */
const perProvider = <T extends object>(cases: readonly T[]) =>
  cases.flatMap((entry) => PROVIDERS.map((provider) => ({ ...entry, provider })));

/** One model on one provider, so every request goes to it. */
const only = (provider: ProviderName, env: Record<string, string> = {}) =>
  start({ models: [model(provider, 'm')], env });

describe('SSE', () => {
  for (const [accept, headers] of [
    ['by default', {}],
    ['with Accept: text/event-stream', { accept: 'text/event-stream' }],
  ] as const) {
    it(`streams meta, one delta per upstream delta, then done with the provider usage, ${accept}`, async () => {
      const gw = await only('groq');
      gw.sim.setBehaviour('groq', 'm', {
        kind: 'ok',
        content: ['Hi', ' there', '!'],
        usage: { prompt_tokens: 12, completion_tokens: 3 },
        finishReason: 'length',
      });

      const response = await postChat(gw, hello, headers);
      const events = await readSse(response);

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(eventNames(events)).toEqual(['meta', 'delta', 'delta', 'delta', 'done']);
      const [meta] = dataOf(events, 'meta');
      expect(meta).toEqual({ requestId: expect.stringMatching(UUID), model: 'm', provider: 'groq', attempts: [] });
      expect(response.headers.get('x-request-id')).toBe(meta!.requestId);
      expect(dataOf(events, 'delta')).toEqual([{ content: 'Hi' }, { content: ' there' }, { content: '!' }]);
      expect(dataOf(events, 'done')).toEqual([
        { finishReason: 'length', usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 } },
      ]);
      expect(gw.sim.requestsFor('groq', 'm')).toHaveLength(1);
      expect(gw.sim.requests[0]).toMatchObject({ stream: true, completed: true, aborted: false });
    });
  }

  it.each(PROVIDERS)('relays a %s answer with the provider-reported usage in done', async (provider) => {
    const gw = await only(provider);
    gw.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['A', 'B'], usage: { prompt_tokens: 7, completion_tokens: 2 } });

    const events = await readSse(await postChat(gw, hello));

    expect(dataOf(events, 'meta')[0]).toMatchObject({ model: 'm', provider });
    expect(dataOf(events, 'delta')).toEqual([{ content: 'A' }, { content: 'B' }]);
    expect(dataOf(events, 'done')[0]).toEqual({
      finishReason: 'stop',
      usage: { promptTokens: 7, completionTokens: 2, totalTokens: 9 },
    });
  });

  it('sends a ": ping" comment every SSE_KEEPALIVE_MS while the upstream is quiet', async () => {
    const gw = await only('groq', { SSE_KEEPALIVE_MS: '50' });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['one', 'two'], pauseAfterFirstTokenMs: 400 });

    const events = await readSse(await postChat(gw, hello));

    const names = events.map((event) => (event.event === 'comment' ? `:${String(event.data)}` : event.event));
    const quiet = names.slice(names.indexOf('delta') + 1, names.lastIndexOf('delta'));
    expect(quiet.length).toBeGreaterThanOrEqual(4);
    expect(new Set(quiet)).toEqual(new Set([':ping']));
    expect(names.at(-1)).toBe('done');
  });

  it('sends no ping while deltas arrive more often than SSE_KEEPALIVE_MS', async () => {
    const gw = await only('groq', { SSE_KEEPALIVE_MS: '250' });
    const content = Array.from({ length: 10 }, (_, i) => `t${i}`);
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content, interChunkDelayMs: 50 });

    const events = await readSse(await postChat(gw, hello));

    expect(eventNames(events)).toHaveLength(12);
    expect(events.filter((event) => event.event === 'comment')).toEqual([]);
  });

  it.each(PROVIDERS)(
    'delivers the first %s token at once, not after the pause that follows it upstream',
    async (provider) => {
      const gw = await only(provider);
      gw.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['first', ' second'], pauseAfterFirstTokenMs: 1500 });

      const sentAt = performance.now();
      const stream = new SseStream(await postChat(gw, hello), sentAt);
      const first = await stream.until('delta');
      const second = await stream.until('delta');
      await stream.rest();

      expect(first.data).toEqual({ content: 'first' });
      expect(first.at).toBeLessThan(1000);
      expect(second.at).toBeGreaterThanOrEqual(1400);
    },
  );

  const breaks = [
    { name: 'the connection drops', behaviour: { kind: 'drop-mid-stream', afterChunks: 2 }, deltas: 2 },
    { name: 'an error frame arrives', behaviour: { kind: 'error-frame', afterChunks: 1 }, deltas: 1 },
    { name: 'a malformed chunk arrives', behaviour: { kind: 'malformed-chunk', afterChunks: 1 }, deltas: 1 },
  ] as const;
  for (const { provider, name, behaviour, deltas } of perProvider(breaks)) {
    it(`ends with an upstream_error event and no done when, after the first ${provider} token, ${name}`, async () => {
      const gw = await only(provider);
      gw.sim.setBehaviour(provider, 'm', behaviour);

      const response = await postChat(gw, hello);
      const events = await readSse(response);

      expect(response.status).toBe(200);
      expect(eventNames(events)).toEqual(['meta', ...Array<string>(deltas).fill('delta'), 'error']);
      expect(dataOf(events, 'error')[0]).toEqual({ code: 'upstream_error', message: expect.any(String) });
    });
  }

  it.each(PROVIDERS)(
    'ends with an upstream_timeout error event (no done) when %s stalls after the first token for UPSTREAM_IDLE_TIMEOUT_MS',
    async (provider) => {
      const gw = await only(provider, { UPSTREAM_IDLE_TIMEOUT_MS: '300' });
      gw.sim.setBehaviour(provider, 'm', { kind: 'stall-after-first-token' });

      const stream = new SseStream(await postChat(gw, hello));
      const first = await stream.until('delta');
      const rest = await stream.rest();

      expect(first.data).toEqual({ content: 'Hello' });
      expect(eventNames(rest)).toEqual(['error']);
      expect(rest.at(-1)!.data).toEqual({ code: 'upstream_timeout', message: expect.any(String) });
      expect(rest.at(-1)!.at - first.at).toBeGreaterThanOrEqual(250);
      await gw.sim.waitFor(() => gw.sim.requests[0]!.aborted);
    },
  );
});

describe('timeouts', () => {
  it('does not time out a slow stream whose chunks each arrive within UPSTREAM_IDLE_TIMEOUT_MS', async () => {
    const gw = await only('groq', { UPSTREAM_IDLE_TIMEOUT_MS: '300' });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['a', 'b', 'c', 'd', 'e', 'f'], interChunkDelayMs: 150 });

    const events = await readSse(await postChat(gw, hello));

    expect(eventNames(events)).toEqual(['meta', 'delta', 'delta', 'delta', 'delta', 'delta', 'delta', 'done']);
  });

  it('applies UPSTREAM_FIRST_TOKEN_TIMEOUT_MS only until the first token', async () => {
    const gw = await only('cerebras', { UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '300', UPSTREAM_IDLE_TIMEOUT_MS: '2000' });
    gw.sim.setBehaviour('cerebras', 'm', { kind: 'ok', content: ['a', 'b'], firstTokenDelayMs: 100, pauseAfterFirstTokenMs: 500 });

    const events = await readSse(await postChat(gw, hello));

    expect(eventNames(events)).toEqual(['meta', 'delta', 'delta', 'done']);
  });
});

describe('plain text (Accept: text/plain)', () => {
  it.each(PROVIDERS)('streams only the %s content', async (provider) => {
    const gw = await only(provider);
    gw.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['Plain', ' words', '.'] });

    const response = await postChat(gw, hello, { accept: 'text/plain' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('Plain words.');
  });

  it.each(PROVIDERS)('keeps a surrogate pair the %s stream split across two frames whole (no U+FFFD)', async (provider) => {
    const gw = await only(provider);
    // Each half arrives in its own read, so each would be encoded alone.
    gw.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['a\ud83d', '\ude00b ', '\ud83c', '\udf89'], interChunkDelayMs: 40 });

    const response = await postChat(gw, hello, { accept: 'text/plain' });

    expect(await response.text()).toBe('a😀b 🎉');
  });

  it('sends the first token before the upstream pause ends', async () => {
    const gw = await only('cerebras');
    gw.sim.setBehaviour('cerebras', 'm', { kind: 'ok', content: ['first', ' second'], pauseAfterFirstTokenMs: 1500 });

    const sentAt = performance.now();
    const response = await postChat(gw, hello, { accept: 'text/plain' });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const elapsed = performance.now() - sentAt;
    await reader.cancel();

    expect(first).toBe('first');
    expect(elapsed).toBeLessThan(1000);
  });

  const breaks = [
    { name: 'drops the connection', behaviour: { kind: 'drop-mid-stream', afterChunks: 2 }, env: {} },
    { name: 'sends an error frame', behaviour: { kind: 'error-frame', afterChunks: 1 }, env: {} },
    {
      name: 'stalls past UPSTREAM_IDLE_TIMEOUT_MS',
      behaviour: { kind: 'stall-after-first-token' },
      env: { UPSTREAM_IDLE_TIMEOUT_MS: '300' },
    },
  ] as const;
  for (const { provider, name, behaviour, env } of perProvider(breaks)) {
    it(`resets the connection (the body read rejects) when ${provider} ${name} after the first token`, async () => {
      const gw = await only(provider, env);
      gw.sim.setBehaviour(provider, 'm', behaviour);

      const response = await postChat(gw, hello, { accept: 'text/plain' });

      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow('terminated');
    });
  }
});

describe('JSON (stream: false)', () => {
  it.each(PROVIDERS)('answers one JSON object with the whole %s answer', async (provider) => {
    const gw = await only(provider);
    gw.sim.setBehaviour(provider, 'm', {
      kind: 'ok',
      content: ['All', ' at', ' once'],
      usage: { prompt_tokens: 9, completion_tokens: 3 },
    });

    const response = await postChat(gw, { ...hello, stream: false });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      requestId: expect.stringMatching(UUID),
      model: 'm',
      provider,
      content: 'All at once',
      finishReason: 'stop',
      usage: { promptTokens: 9, completionTokens: 3, totalTokens: 12 },
      attempts: [],
    });
  });

  it('answers 502 upstream_error when the upstream breaks off mid-answer', async () => {
    const gw = await only('groq');
    gw.sim.setBehaviour('groq', 'm', { kind: 'drop-mid-stream', afterChunks: 2 });

    const response = await postChat(gw, { ...hello, stream: false });

    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_error', message: expect.any(String) } });
  });

  it('answers 504 upstream_timeout when the upstream stalls mid-answer', async () => {
    const gw = await only('groq', { UPSTREAM_IDLE_TIMEOUT_MS: '300' });
    gw.sim.setBehaviour('groq', 'm', { kind: 'stall-after-first-token' });

    const response = await postChat(gw, { ...hello, stream: false });

    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_timeout', message: expect.any(String) } });
  });
});
