// Limits under concurrency: requests that arrive together are admitted exactly up to the limit,
// every reservation is released however its request ends, and windows roll over on the UTC
// minute, hour and day.
import { describe, expect, it } from 'vitest';
import type { ModelLimits } from '../../../src/config/model-limits.dto.js';
import { Clock } from '../../../src/usage/clock.js';
import { eventually, freshUsageWindows, gatewayPerTest, getUsage, usageOf } from '../../support/gateway-client.js';
import { hello, model, postChat, type Gateway } from '../../support/gateway-harness.js';

const start = gatewayPerTest();

const GENEROUS: ModelLimits = {
  requestsPerMinute: 100_000,
  requestsPerHour: 1_000_000,
  requestsPerDay: 10_000_000,
  tokensPerMinute: 100_000_000,
  tokensPerHour: 1_000_000_000,
  tokensPerDay: 10_000_000_000,
};

const only = (limits: Partial<ModelLimits>) => model('groq', 'only', { limits: { ...GENEROUS, ...limits } });

/** N requests at once; the answers are held back long enough that none finishes before all have arrived. */
async function concurrently(gw: Gateway, count: number, body: object = hello): Promise<Response[]> {
  return Promise.all(Array.from({ length: count }, () => postChat(gw, { ...body, stream: false })));
}

function statuses(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
  return counts;
}

describe('K admitted out of N concurrent requests for a limit of K', () => {
  const K = 7;
  const N = 60;

  it(`requestsPerMinute ${K}: exactly ${K} of ${N} concurrent requests reach the provider, the rest get 429 with Retry-After`, async () => {
    const gw = await start({ models: [only({ requestsPerMinute: K })], env: { UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '10000' } });
    freshUsageWindows(gw);
    gw.sim.setBehaviour('groq', 'only', { kind: 'ok', firstTokenDelayMs: 1_000 });

    const responses = await concurrently(gw, N);

    expect(statuses(responses)).toEqual({ 200: K, 429: N - K });
    for (const response of responses.filter((r) => r.status === 429)) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await response.json()).toMatchObject({ error: { code: 'rate_limited' } });
    }
    expect(gw.sim.requestsFor('groq', 'only')).toHaveLength(K);
    const usage = await usageOf(gw, 'groq/only');
    expect(usage.windows.minute.requests).toBe(K);
    expect(usage.totals).toMatchObject({ completed: K, limited: N - K, inFlight: 0 });
  });

  it(`tokensPerMinute for ${K} reservations: exactly ${K} of ${N} concurrent requests are admitted while they are in flight`, async () => {
    // "Say hello." reserves ceil(10/4) + 4 + 3 = 10 prompt tokens plus max_tokens 100.
    const perRequest = 110;
    const gw = await start({
      models: [only({ tokensPerMinute: K * perRequest + perRequest - 1 })],
      env: { UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '10000' },
    });
    freshUsageWindows(gw);
    gw.sim.setBehaviour('groq', 'only', { kind: 'ok', firstTokenDelayMs: 1_000 });

    const responses = await concurrently(gw, N, { ...hello, max_tokens: 100 });

    expect(statuses(responses)).toEqual({ 200: K, 429: N - K });
    expect(gw.sim.requestsFor('groq', 'only')).toHaveLength(K);
  });

  it('spreads N concurrent requests over two deployments with K each: exactly 2K served, the rest 429', async () => {
    const gw = await start({
      models: [
        model('groq', 'a', { priority: 1, limits: { ...GENEROUS, requestsPerMinute: K } }),
        model('cerebras', 'b', { priority: 2, limits: { ...GENEROUS, requestsPerMinute: K } }),
      ],
      env: { ROTATION_STRATEGY: 'priority', UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '10000' },
    });
    freshUsageWindows(gw);
    gw.sim.setBehaviour('groq', 'a', { kind: 'ok', firstTokenDelayMs: 1_000 });
    gw.sim.setBehaviour('cerebras', 'b', { kind: 'ok', firstTokenDelayMs: 1_000 });

    const responses = await concurrently(gw, N);

    expect(statuses(responses)).toEqual({ 200: 2 * K, 429: N - 2 * K });
    expect(gw.sim.requestsFor('groq', 'a')).toHaveLength(K);
    expect(gw.sim.requestsFor('cerebras', 'b')).toHaveLength(K);
  });
});

describe('no reservation left behind', () => {
  it('after concurrent successes, upstream failures before and after the first token, and client aborts, every window holds 0 reserved tokens', async () => {
    const gw = await start({
      models: [
        model('groq', 'ok', { limits: GENEROUS }),
        model('groq', 'fails', { limits: GENEROUS }),
        model('cerebras', 'breaks', { limits: GENEROUS }),
        model('cerebras', 'slow', { limits: GENEROUS }),
      ],
      // Counts each failure; a circuit opening midway would turn later requests away before any reservation.
      env: { AUTO_FALLBACK: 'false', CIRCUIT_BREAKER_ENABLED: 'false', UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '5000', UPSTREAM_IDLE_TIMEOUT_MS: '5000' },
    });
    freshUsageWindows(gw);
    gw.sim.setBehaviour('groq', 'ok', { kind: 'ok' });
    gw.sim.setBehaviour('groq', 'fails', { kind: 'error', status: 500 });
    gw.sim.setBehaviour('cerebras', 'breaks', { kind: 'drop-mid-stream', afterChunks: 2 });
    gw.sim.setBehaviour('cerebras', 'slow', { kind: 'ok', firstTokenDelayMs: 50, interChunkDelayMs: 100, content: ['a', 'b', 'c', 'd', 'e', 'f'] });

    const runs: Array<Promise<unknown>> = [];
    for (let i = 0; i < 10; i++) {
      runs.push(postChat(gw, { ...hello, model: 'groq/ok' }).then((response) => response.text()));
      runs.push(postChat(gw, { ...hello, model: 'groq/fails' }).then((response) => response.text()));
      runs.push(postChat(gw, { ...hello, model: 'cerebras/breaks' }).then((response) => response.text()));
      // Aborted at different points: before the first token, after a few deltas.
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 20 + i * 30);
      runs.push(
        postChat(gw, { ...hello, model: 'cerebras/slow' }, {}, controller.signal)
          .then((response) => response.text())
          .catch(() => 'aborted'),
      );
    }
    await Promise.all(runs);

    await eventually(async () => {
      const usage = await getUsage(gw);
      for (const entry of usage.models) {
        expect({ key: entry.key, minute: entry.windows.minute.reservedTokens, hour: entry.windows.hour.reservedTokens, day: entry.windows.day.reservedTokens, inFlight: entry.totals.inFlight }).toEqual({
          key: entry.key,
          minute: 0,
          hour: 0,
          day: 0,
          inFlight: 0,
        });
      }
      const slow = await usageOf(gw, 'cerebras/slow');
      // On a busy machine the earliest abort (20 ms) can land before the request reaches the
      // gateway at all: such a request is never counted. Every one counted ended one way or the other.
      expect(slow.totals.requests).toBeLessThanOrEqual(10);
      expect(slow.totals.requests).toBeGreaterThanOrEqual(gw.sim.requestsFor('cerebras', 'slow').length);
      expect(slow.totals.completed + slow.totals.cancellations).toBe(slow.totals.requests);
      expect(slow.totals.cancellations).toBeGreaterThan(0);
      expect((await usageOf(gw, 'groq/fails')).totals.failures).toBe(10);
      expect((await usageOf(gw, 'cerebras/breaks')).totals.failures).toBe(10);
      expect((await usageOf(gw, 'groq/ok')).totals.completed).toBe(10);
    }, 5_000);
    expect(gw.sim.streamStats().open).toBe(0);
  });
});

describe('windows roll over on UTC boundaries (the gateway clock set just before each)', () => {
  const boundaries = [
    { window: 'minute', field: 'requestsPerMinute', before: '2026-03-04T10:20:59.900Z', after: '2026-03-04T10:21:00.000Z' },
    { window: 'hour', field: 'requestsPerHour', before: '2026-03-04T10:59:59.900Z', after: '2026-03-04T11:00:00.000Z' },
    { window: 'UTC day', field: 'requestsPerDay', before: '2026-03-04T23:59:59.900Z', after: '2026-03-05T00:00:00.000Z' },
    { window: 'UTC day (tokens)', field: 'tokensPerDay', before: '2026-12-31T23:59:59.900Z', after: '2027-01-01T00:00:00.000Z' },
  ] as const;

  for (const { window, field, before, after } of boundaries) {
    it(`${field}: refused at ${before.slice(11)} with Retry-After 1, admitted again at ${after.slice(11)}`, async () => {
      // Two requests' worth. For tokens: each answer reports 100 tokens used, and a third request
      // would reserve 110 ("Say hello." is 10 prompt tokens, plus max_tokens 100).
      const limit = field === 'tokensPerDay' ? 2 * 100 + 109 : 2;
      const gw = await start({ models: [only({ [field]: limit })] });
      gw.sim.setBehaviour('groq', 'only', { kind: 'ok', usage: { prompt_tokens: 10, completion_tokens: 90 } });
      const clock = gw.app.get(Clock);
      let now = Date.parse(before);
      clock.now = () => now;
      const body = { ...hello, stream: false, max_tokens: 100 };

      expect((await postChat(gw, body)).status).toBe(200);
      expect((await postChat(gw, body)).status).toBe(200);
      const refused = await postChat(gw, body);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');

      now = Date.parse(after);
      const admitted = await postChat(gw, body);
      expect(admitted.status, `a new ${window} has begun`).toBe(200);
      const usage = await usageOf(gw, 'groq/only');
      expect(new Date(usage.windows.day.start).toISOString()).toBe(`${after.slice(0, 10)}T00:00:00.000Z`);
    });
  }
});
