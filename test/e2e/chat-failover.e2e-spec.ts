// Failover: an upstream failure before the first token moves on to the next candidate; after the
// first token it does not. A 429 cools the model down for its retry-after.
import { describe, expect, it } from 'vitest';
import type { Behaviour, ProviderName } from '../support/simulator/provider-simulator.js';
import { gatewayPerTest, modelView } from '../support/gateway-client.js';
import { hello, model, postChat } from '../support/gateway-harness.js';
import { dataOf, eventNames, readSse } from '../support/sse-stream.js';

const start = gatewayPerTest();

/** Two deployments tried in this order (priority strategy), on the given providers. */
function pair(first: ProviderName, second: ProviderName, env: Record<string, string> = {}) {
  return start({
    models: [model(first, 'first', { priority: 1 }), model(second, 'second', { priority: 2 })],
    env: { ROTATION_STRATEGY: 'priority', UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '300', ...env },
  });
}

const ORDERS: Array<[ProviderName, ProviderName]> = [
  ['groq', 'cerebras'],
  ['cerebras', 'groq'],
];

describe('before the first token', () => {
  const failures: Array<{ name: string; behaviour: Behaviour; error: string }> = [
    { name: 'answers 429', behaviour: { kind: 'error', status: 429, headers: { 'retry-after': '30' } }, error: 'rate_limited' },
    { name: 'answers 413', behaviour: { kind: 'error', status: 413 }, error: 'payload_too_large' },
    { name: 'answers 500', behaviour: { kind: 'error', status: 500 }, error: 'server_error' },
    { name: 'answers 503', behaviour: { kind: 'error', status: 503 }, error: 'server_error' },
    { name: 'sends an error frame as its first chunk', behaviour: { kind: 'error-frame', afterChunks: 0 }, error: 'server_error' },
    { name: 'refuses the connection', behaviour: { kind: 'refuse' }, error: 'connection' },
    { name: 'never answers (first-token timeout)', behaviour: { kind: 'hang' }, error: 'timeout' },
    {
      name: 'sends headers but no token in time (first-token timeout)',
      behaviour: { kind: 'ok', firstTokenDelayMs: 2_000 },
      error: 'timeout',
    },
  ];

  for (const [first, second] of ORDERS) {
    for (const { name, behaviour, error } of failures) {
      it(`falls back to the next model when the first ${name} before any token (${first} → ${second})`, async () => {
        const gw = await pair(first, second);
        gw.sim.setBehaviour(first, 'first', behaviour);
        gw.sim.setBehaviour(second, 'second', { kind: 'ok', content: ['from', ' second'] });

        const response = await postChat(gw, hello);
        const events = await readSse(response);

        expect(response.status).toBe(200);
        expect(eventNames(events)).toEqual(['meta', 'delta', 'delta', 'done']);
        expect(dataOf(events, 'meta')[0]).toMatchObject({
          model: 'second',
          provider: second,
          attempts: [{ model: 'first', provider: first, error }],
        });
        expect(gw.sim.requestsFor(first, 'first')).toHaveLength(1);
        expect(gw.sim.requestsFor(second, 'second')).toHaveLength(1);
      });
    }
  }

  it('aborts the upstream request it gave up on after UPSTREAM_FIRST_TOKEN_TIMEOUT_MS', async () => {
    const gw = await pair('groq', 'cerebras');
    gw.sim.setBehaviour('groq', 'first', { kind: 'hang' });

    const sentAt = performance.now();
    const events = await readSse(await postChat(gw, hello));
    const elapsed = performance.now() - sentAt;

    expect(dataOf(events, 'meta')[0]).toMatchObject({ provider: 'cerebras' });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_500);
    await gw.sim.waitFor(() => gw.sim.requestsFor('groq', 'first')[0]!.aborted);
  });

  it('lists every failed attempt in order in meta.attempts', async () => {
    const gw = await start({
      models: [
        model('groq', 'a', { priority: 1 }),
        model('cerebras', 'b', { priority: 2 }),
        model('groq', 'c', { priority: 3 }),
      ],
      env: { ROTATION_STRATEGY: 'priority' },
    });
    gw.sim.setBehaviour('groq', 'a', { kind: 'error', status: 500 });
    gw.sim.setBehaviour('cerebras', 'b', { kind: 'error', status: 429, headers: { 'retry-after': '10' } });

    const response = await postChat(gw, { ...hello, stream: false });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      model: 'c',
      provider: 'groq',
      content: 'Hello from the simulator',
      attempts: [
        { model: 'a', provider: 'groq', error: 'server_error' },
        { model: 'b', provider: 'cerebras', error: 'rate_limited' },
      ],
    });
  });

  it('answers 502 upstream_error after trying every candidate once when all fail', async () => {
    const gw = await start({
      models: [model('groq', 'a'), model('cerebras', 'b'), model('groq', 'c')],
    });
    gw.sim.setDefaultBehaviour({ kind: 'error', status: 500 });

    const response = await postChat(gw, hello);

    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_error', message: expect.any(String) } });
    expect(gw.sim.requests.map((request) => `${request.provider}/${request.model}`).sort()).toEqual([
      'cerebras/b',
      'groq/a',
      'groq/c',
    ]);
  });

  it('answers 504 upstream_timeout when no candidate sends a first token within UPSTREAM_FIRST_TOKEN_TIMEOUT_MS', async () => {
    const gw = await pair('groq', 'cerebras');
    gw.sim.setDefaultBehaviour({ kind: 'hang' });

    const response = await postChat(gw, hello);

    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_timeout', message: expect.any(String) } });
    expect(gw.sim.requests).toHaveLength(2);
    await gw.sim.waitFor(() => gw.sim.requests.every((request) => request.aborted));
  });

  it('answers 429 rate_limited with the earliest upstream retry-after when every candidate answers 429', async () => {
    const gw = await pair('groq', 'cerebras');
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 429, headers: { 'retry-after': '20' } });
    gw.sim.setBehaviour('cerebras', 'second', { kind: 'error', status: 429, headers: { 'retry-after': '7' } });

    const response = await postChat(gw, hello);

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.any(String) } });
  });

  it('does not fall back when AUTO_FALLBACK is off: the first failure is the answer', async () => {
    const gw = await pair('groq', 'cerebras', { AUTO_FALLBACK: 'false' });
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 500 });

    const response = await postChat(gw, hello);

    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_error' } });
    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(1);
    expect(gw.sim.requestsFor('cerebras')).toHaveLength(0);
  });

  it('does not fall back when AUTO_FALLBACK is off and the first answers 429: 429 with its retry-after', async () => {
    const gw = await pair('groq', 'cerebras', { AUTO_FALLBACK: 'false' });
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 429, headers: { 'retry-after': '9' } });

    const response = await postChat(gw, hello);

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('9');
    expect(gw.sim.requestsFor('cerebras')).toHaveLength(0);
  });
});

describe('after the first token', () => {
  for (const [first, second] of ORDERS) {
    it(`does not fall back when the first model's stream breaks after its first token (${first} → ${second})`, async () => {
      const gw = await pair(first, second);
      gw.sim.setBehaviour(first, 'first', { kind: 'drop-mid-stream', afterChunks: 1 });

      const events = await readSse(await postChat(gw, hello));

      expect(eventNames(events)).toEqual(['meta', 'delta', 'error']);
      expect(dataOf(events, 'meta')[0]).toMatchObject({ model: 'first', provider: first, attempts: [] });
      expect(gw.sim.requestsFor(first, 'first')).toHaveLength(1);
      expect(gw.sim.requestsFor(second)).toHaveLength(0);
    });
  }

  it('does not fall back when the first model stalls after its first token', async () => {
    const gw = await pair('groq', 'cerebras', { UPSTREAM_IDLE_TIMEOUT_MS: '200' });
    gw.sim.setBehaviour('groq', 'first', { kind: 'stall-after-first-token' });

    const events = await readSse(await postChat(gw, hello));

    expect(eventNames(events)).toEqual(['meta', 'delta', 'error']);
    expect(dataOf(events, 'error')[0]).toMatchObject({ code: 'upstream_timeout' });
    expect(gw.sim.requestsFor('cerebras')).toHaveLength(0);
  });
});

describe('cooldown after an upstream 429', () => {
  for (const provider of ['groq', 'cerebras'] as const) {
    it(`cools a ${provider} model down for its retry-after, shown as cooldownUntil and available:false in GET /models`, async () => {
      const gw = await pair(provider, provider === 'groq' ? 'cerebras' : 'groq');
      gw.sim.setBehaviour(provider, 'first', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });

      const before = Date.now();
      await readSse(await postChat(gw, hello));
      const after = Date.now();
      const view = await modelView(gw, `${provider}/first`);

      expect(view.available).toBe(false);
      expect(view.cooldownUntil).not.toBeNull();
      const until = Date.parse(view.cooldownUntil!);
      expect(until).toBeGreaterThanOrEqual(before + 30_000 - 1_000);
      expect(until).toBeLessThanOrEqual(after + 30_000 + 1_000);
    });
  }

  it('skips the cooling-down model on later requests without calling it', async () => {
    const gw = await pair('groq', 'cerebras');
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 429, headers: { 'retry-after': '30' } }, { kind: 'ok' });

    await readSse(await postChat(gw, hello));
    const events = await readSse(await postChat(gw, hello));

    expect(dataOf(events, 'meta')[0]).toMatchObject({ model: 'second', provider: 'cerebras' });
    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(1);
    expect(gw.sim.requestsFor('cerebras', 'second')).toHaveLength(2);
    expect((await modelView(gw, 'cerebras/second')).cooldownUntil).toBeNull();
  });

  it('answers 429 with the remaining cooldown, without calling upstream, for a request pinned to a cooling-down model', async () => {
    const gw = await pair('groq', 'cerebras');
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 429, headers: { 'retry-after': '30' } }, { kind: 'ok' });

    await readSse(await postChat(gw, hello));
    const response = await postChat(gw, { ...hello, model: 'groq/first' });

    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ error: { code: 'rate_limited' } });
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(29);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(1);
  });

  it('cools down until the exhausted window resets when a 429 carries no retry-after', async () => {
    const gw = await pair('cerebras', 'groq');
    gw.sim.setBehaviour('cerebras', 'first', { kind: 'error', status: 429 });
    gw.sim.setRateLimitHeaders('cerebras', 'first', {
      'x-ratelimit-remaining-tokens-minute': '0',
      'x-ratelimit-reset-tokens-minute': '12.5',
    });

    const before = Date.now();
    await readSse(await postChat(gw, hello));
    const view = await modelView(gw, 'cerebras/first');

    expect(view.available).toBe(false);
    const until = Date.parse(view.cooldownUntil!);
    expect(until).toBeGreaterThanOrEqual(before + 12_500 - 1_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 12_500 + 1_000);
  });

  it('cools down for DEFAULT_COOLDOWN_MS when a 429 says nothing about when to retry', async () => {
    const gw = await pair('cerebras', 'groq', { DEFAULT_COOLDOWN_MS: '45000' });
    gw.sim.setBehaviour('cerebras', 'first', { kind: 'error', status: 429 });

    const before = Date.now();
    await readSse(await postChat(gw, hello));
    const until = Date.parse((await modelView(gw, 'cerebras/first')).cooldownUntil!);

    expect(until).toBeGreaterThanOrEqual(before + 45_000 - 1_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 45_000 + 1_000);
  });

  it('does not cool down a model that failed with a 5xx', async () => {
    const gw = await pair('groq', 'cerebras');
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 500 }, { kind: 'ok' });

    await readSse(await postChat(gw, hello));
    const events = await readSse(await postChat(gw, hello));

    expect(await modelView(gw, 'groq/first')).toMatchObject({ available: true, cooldownUntil: null });
    expect(dataOf(events, 'meta')[0]).toMatchObject({ model: 'first', provider: 'groq', attempts: [] });
  });
});
