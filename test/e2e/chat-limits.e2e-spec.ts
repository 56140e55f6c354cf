// Configured per-model limits: checked before any upstream call, with a reservation of the
// estimated prompt plus max completion tokens that is reconciled with the provider's usage.
import { describe, expect, it } from 'vitest';
import type { ModelLimits } from '../../src/config/model-limits.dto.js';
import { freshUsageWindows, gatewayPerTest, usageOf } from '../support/gateway-client.js';
import { hello, model, postChat, type Gateway, type GatewayOptions } from '../support/gateway-harness.js';
import { dataOf, readSse, SseStream } from '../support/sse-stream.js';

const startGateway = gatewayPerTest();

/** Every test here counts against windows: start each at the beginning of a fresh minute. */
async function start(options: GatewayOptions): Promise<Gateway> {
  const gateway = await startGateway(options);
  freshUsageWindows(gateway);
  return gateway;
}

const GENEROUS: ModelLimits = {
  requestsPerMinute: 1000,
  requestsPerHour: 10_000,
  requestsPerDay: 100_000,
  tokensPerMinute: 1_000_000,
  tokensPerHour: 5_000_000,
  tokensPerDay: 10_000_000,
};

const limited = (provider: 'groq' | 'cerebras', id: string, limits: Partial<ModelLimits>, priority = 1) =>
  model(provider, id, { priority, limits: { ...GENEROUS, ...limits } });

/** A 429 rate_limited whose Retry-After is whole seconds within [min, max]. */
async function expectRateLimited(response: Response, max: number, min = 1): Promise<void> {
  expect(response.status).toBe(429);
  expect(await response.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.any(String) } });
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(min);
  expect(retryAfter).toBeLessThanOrEqual(max);
}

async function complete(gw: Gateway, body: object = hello): Promise<void> {
  const response = await postChat(gw, body);
  expect(response.status).toBe(200);
  expect(dataOf(await readSse(response), 'done')).toHaveLength(1);
}

describe('request windows', () => {
  // The windows have just begun (freshUsageWindows): the minute one frees up in 60 s.
  const windows = [
    { field: 'requestsPerMinute', min: 59, max: 60 },
    { field: 'requestsPerHour', min: 59, max: 3_600 },
    { field: 'requestsPerDay', min: 59, max: 86_400 },
  ] as const;

  for (const { field, min, max } of windows) {
    it(`answers 429 with Retry-After until the window resets, without calling upstream, once ${field} is used up`, async () => {
      const gw = await start({ models: [limited('groq', 'm', { [field]: 2 })] });

      await complete(gw);
      await complete(gw);
      const response = await postChat(gw, hello);

      await expectRateLimited(response, max, min);
      expect(gw.sim.requestsFor('groq', 'm')).toHaveLength(2);
      expect((await usageOf(gw, 'groq/m')).totals.limited).toBe(1);
    });
  }
});

describe('token windows', () => {
  const windows = [
    { field: 'tokensPerMinute', min: 59, max: 60 },
    { field: 'tokensPerHour', min: 59, max: 3_600 },
    { field: 'tokensPerDay', min: 59, max: 86_400 },
  ] as const;

  for (const { field, min, max } of windows) {
    it(`answers 429 with Retry-After, without calling upstream, when prompt + max_tokens would exceed what is left of ${field}`, async () => {
      const gw = await start({ models: [limited('cerebras', 'm', { [field]: 1_000 })] });
      gw.sim.setBehaviour('cerebras', 'm', { kind: 'ok', usage: { prompt_tokens: 400, completion_tokens: 300 } });

      await complete(gw, { ...hello, max_tokens: 100 });
      // 700 booked: 300 + the prompt no longer fit, 200 + the prompt still do.
      const response = await postChat(gw, { ...hello, max_tokens: 300 });
      await expectRateLimited(response, max, min);
      await complete(gw, { ...hello, max_tokens: 200 });

      expect(gw.sim.requests).toHaveLength(2);
    });
  }

  it("reserves the model's default max completion tokens when max_tokens is not given", async () => {
    const gw = await start({
      models: [
        model('groq', 'm', {
          limits: { ...GENEROUS, tokensPerMinute: 1_000 },
          defaults: { temperature: 0.5, maxCompletionTokens: 600, topP: 1 },
        }),
      ],
    });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', usage: { prompt_tokens: 300, completion_tokens: 200 } });

    await complete(gw, hello);
    // 500 booked: the default 600 no longer fits, an explicit 100 does.
    await expectRateLimited(await postChat(gw, hello), 60, 59);
    await complete(gw, { ...hello, max_tokens: 100 });

    expect(gw.sim.requests).toHaveLength(2);
  });

  it('holds prompt + max_tokens while a request is in flight, so a concurrent request that would exceed the window is refused', async () => {
    const gw = await start({ models: [limited('groq', 'm', { tokensPerMinute: 1_000 })] });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['slow', ' answer'], pauseAfterFirstTokenMs: 500 }, { kind: 'ok' });

    const first = new SseStream(await postChat(gw, { ...hello, max_tokens: 600 }));
    await first.until('delta');
    const during = await usageOf(gw, 'groq/m');
    const second = await postChat(gw, { ...hello, max_tokens: 600 });
    await expectRateLimited(second, 60);
    await first.rest();

    const promptChars = hello.messages[0]!.content.length;
    expect(during.totals.inFlight).toBe(1);
    expect(during.windows.minute.reservedTokens).toBeGreaterThanOrEqual(600 + Math.ceil(promptChars / 4));
    expect(gw.sim.requests).toHaveLength(1);
  });

  it('reconciles the reservation with the provider-reported usage, freeing the unused part for the next request', async () => {
    const gw = await start({ models: [limited('groq', 'm', { tokensPerMinute: 1_000 })] });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', usage: { prompt_tokens: 5, completion_tokens: 5 } });

    // Each reserves over 600 tokens; only the 10 reported ones stay booked.
    await complete(gw, { ...hello, max_tokens: 600 });
    await complete(gw, { ...hello, max_tokens: 600 });
    await complete(gw, { ...hello, max_tokens: 600 });

    expect(gw.sim.requests).toHaveLength(3);
    const usage = await usageOf(gw, 'groq/m');
    expect(usage.windows.minute).toMatchObject({ promptTokens: 15, completionTokens: 15, reservedTokens: 0 });
  });

  it('counts the provider-reported usage against the window when it is larger than the reservation', async () => {
    const gw = await start({ models: [limited('cerebras', 'm', { tokensPerMinute: 1_000 })] });
    gw.sim.setBehaviour('cerebras', 'm', { kind: 'ok', usage: { prompt_tokens: 500, completion_tokens: 490 } });

    await complete(gw, { ...hello, max_tokens: 50 });
    const response = await postChat(gw, { ...hello, max_tokens: 50 });

    await expectRateLimited(response, 60);
    expect(gw.sim.requests).toHaveLength(1);
  });
});

describe('several candidates', () => {
  it('skips a model whose limit is reached and serves from the next when AUTO_FALLBACK is on', async () => {
    const gw = await start({
      models: [limited('groq', 'small', { requestsPerMinute: 1 }, 1), limited('cerebras', 'big', {}, 2)],
      env: { ROTATION_STRATEGY: 'priority' },
    });

    await complete(gw);
    const response = await postChat(gw, hello);
    const events = await readSse(response);

    expect(response.status).toBe(200);
    expect(dataOf(events, 'meta')[0]).toMatchObject({ model: 'big', provider: 'cerebras' });
    expect(gw.sim.requestsFor('groq', 'small')).toHaveLength(1);
    expect(gw.sim.requestsFor('cerebras', 'big')).toHaveLength(1);
  });

  it('answers 429 when the chosen model is limited and AUTO_FALLBACK is off, without trying the others', async () => {
    const gw = await start({
      models: [limited('groq', 'small', { requestsPerMinute: 1 }, 1), limited('cerebras', 'big', {}, 2)],
      env: { ROTATION_STRATEGY: 'priority', AUTO_FALLBACK: 'false' },
    });

    await complete(gw);
    await expectRateLimited(await postChat(gw, hello), 60);

    expect(gw.sim.requestsFor('cerebras')).toHaveLength(0);
  });

  it('answers 429 when every candidate is limited, with Retry-After until the earliest one frees up', async () => {
    const gw = await start({
      models: [limited('groq', 'a', { requestsPerMinute: 1 }, 1), limited('cerebras', 'b', {}, 2)],
      env: { ROTATION_STRATEGY: 'priority' },
    });
    // b cools down for 2 s after its 429; a's minute window stays full for up to 60 s.
    gw.sim.setBehaviour('cerebras', 'b', { kind: 'error', status: 429, headers: { 'retry-after': '2' } });

    await complete(gw);
    const first = await postChat(gw, hello);
    await expectRateLimited(first, 2);
    const second = await postChat(gw, hello);

    await expectRateLimited(second, 2);
    expect(gw.sim.requestsFor('groq', 'a')).toHaveLength(1);
    expect(gw.sim.requestsFor('cerebras', 'b')).toHaveLength(1);
  });

  it('answers 429 with Retry-After of the sooner of two cooldowns', async () => {
    const gw = await start({
      models: [limited('groq', 'a', {}, 1), limited('cerebras', 'b', {}, 2)],
      env: { ROTATION_STRATEGY: 'priority' },
    });
    gw.sim.setBehaviour('groq', 'a', { kind: 'error', status: 429, headers: { 'retry-after': '40' } });
    gw.sim.setBehaviour('cerebras', 'b', { kind: 'error', status: 429, headers: { 'retry-after': '5' } });

    await expectRateLimited(await postChat(gw, hello), 5, 5);
    await expectRateLimited(await postChat(gw, hello), 5, 4);

    expect(gw.sim.requests).toHaveLength(2);
  });
});
