// GET /usage after chat requests: provider-reported tokens booked, reservations released.
import { describe, expect, it } from 'vitest';
import type { Behaviour, ProviderName } from '../support/simulator/provider-simulator.js';
import { freshUsageWindows, gatewayPerTest, getUsage, usageOf } from '../support/gateway-client.js';
import { hello, model, postChat, type Gateway, type GatewayOptions } from '../support/gateway-harness.js';
import { readSse, SseStream } from '../support/sse-stream.js';

const startGateway = gatewayPerTest();

/** Every test here reads the minute window: start each at the beginning of a fresh minute. */
async function start(options: GatewayOptions): Promise<Gateway> {
  const gateway = await startGateway(options);
  freshUsageWindows(gateway);
  return gateway;
}

const PROVIDERS: ProviderName[] = ['groq', 'cerebras'];

describe('a completed request', () => {
  for (const provider of PROVIDERS) {
    for (const [format, body] of [
      ['streamed', hello],
      ['stream: false', { ...hello, stream: false }],
    ] as const) {
      it(`books the ${provider}-reported tokens in the minute window and totals (${format})`, async () => {
        const gw = await start({ models: [model(provider, 'm'), model('groq', 'idle')], env: { ROTATION_STRATEGY: 'priority' } });
        gw.sim.setBehaviour(provider, 'm', { kind: 'ok', usage: { prompt_tokens: 321, completion_tokens: 54 } });

        const response = await postChat(gw, body);
        await response.text();
        const report = await getUsage(gw);
        const entry = report.models.find((entry) => entry.key === `${provider}/m`)!;

        expect(response.status).toBe(200);
        expect(entry.windows.minute).toMatchObject({ requests: 1, promptTokens: 321, completionTokens: 54, reservedTokens: 0 });
        expect(entry.windows.day).toMatchObject({ requests: 1, promptTokens: 321, completionTokens: 54, reservedTokens: 0 });
        expect(entry.totals).toMatchObject({
          requests: 1,
          promptTokens: 321,
          completionTokens: 54,
          completed: 1,
          failures: 0,
          cancellations: 0,
          inFlight: 0,
        });
        expect(report.totals).toMatchObject({ requests: 1, promptTokens: 321, completionTokens: 54, completed: 1, inFlight: 0 });
      });
    }
  }

  it('adds up the tokens of several requests', async () => {
    const gw = await start({ models: [model('cerebras', 'm')] });
    gw.sim.setBehaviour(
      'cerebras',
      'm',
      { kind: 'ok', usage: { prompt_tokens: 10, completion_tokens: 1 } },
      { kind: 'ok', usage: { prompt_tokens: 20, completion_tokens: 2 } },
    );

    await (await postChat(gw, hello)).text();
    await (await postChat(gw, hello)).text();

    expect((await usageOf(gw, 'cerebras/m')).windows.minute).toMatchObject({ requests: 2, promptTokens: 30, completionTokens: 3 });
  });

  it('holds a reservation and counts the request in flight only while the answer streams', async () => {
    const gw = await start({ models: [model('groq', 'm')] });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['a', 'b'], pauseAfterFirstTokenMs: 300 });

    const stream = new SseStream(await postChat(gw, { ...hello, max_tokens: 100 }));
    await stream.until('delta');
    const during = await usageOf(gw, 'groq/m');
    await stream.rest();
    const after = await usageOf(gw, 'groq/m');

    expect(during.totals.inFlight).toBe(1);
    expect(during.windows.minute.reservedTokens).toBeGreaterThanOrEqual(100);
    expect(after.totals.inFlight).toBe(0);
    expect(after.windows.minute.reservedTokens).toBe(0);
  });
});

describe('a failed attempt', () => {
  const beforeFirstToken: Array<{ name: string; behaviour: Behaviour }> = [
    { name: 'answers 500', behaviour: { kind: 'error', status: 500 } },
    { name: 'answers 429', behaviour: { kind: 'error', status: 429, headers: { 'retry-after': '30' } } },
    { name: 'sends no first token in time', behaviour: { kind: 'hang' } },
    { name: 'refuses the connection', behaviour: { kind: 'refuse' } },
  ];

  for (const { name, behaviour } of beforeFirstToken) {
    it(`releases the reservation (reservedTokens 0, inFlight 0) of a model that ${name} before the first token`, async () => {
      const gw = await start({
        models: [model('groq', 'first', { priority: 1 }), model('cerebras', 'second', { priority: 2 })],
        env: { ROTATION_STRATEGY: 'priority', UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '200' },
      });
      gw.sim.setBehaviour('groq', 'first', behaviour);
      gw.sim.setBehaviour('cerebras', 'second', { kind: 'ok', usage: { prompt_tokens: 4, completion_tokens: 4 } });

      await (await postChat(gw, { ...hello, max_tokens: 100 })).text();
      const first = await usageOf(gw, 'groq/first');
      const second = await usageOf(gw, 'cerebras/second');

      expect(first.windows.minute).toMatchObject({ requests: 1, reservedTokens: 0, promptTokens: 0, completionTokens: 0 });
      expect(first.totals).toMatchObject({ requests: 1, failures: 1, fallbacks: 1, completed: 0, inFlight: 0 });
      expect(second.windows.minute).toMatchObject({ requests: 1, reservedTokens: 0, promptTokens: 4, completionTokens: 4 });
      expect(second.totals).toMatchObject({ completed: 1, failures: 0, inFlight: 0 });
    });
  }

  it('releases the reservations when every candidate fails', async () => {
    const gw = await start({ models: [model('groq', 'a'), model('cerebras', 'b')] });
    gw.sim.setDefaultBehaviour({ kind: 'error', status: 503 });

    expect((await postChat(gw, hello)).status).toBe(502);
    const report = await getUsage(gw);

    expect(report.models.map((entry) => entry.windows.minute.reservedTokens)).toEqual([0, 0]);
    expect(report.totals).toMatchObject({ requests: 2, failures: 2, completed: 0, inFlight: 0 });
    // Only the first moved on to another model; the last had nowhere to go.
    expect(report.totals.fallbacks).toBe(1);
  });

  for (const provider of PROVIDERS) {
    it(`releases the reservation when the ${provider} stream breaks after the first token`, async () => {
      const gw = await start({ models: [model(provider, 'm')] });
      gw.sim.setBehaviour(provider, 'm', { kind: 'drop-mid-stream', afterChunks: 2 });

      await readSse(await postChat(gw, { ...hello, max_tokens: 100 }));
      const entry = await usageOf(gw, `${provider}/m`);

      expect(entry.windows.minute.reservedTokens).toBe(0);
      expect(entry.totals).toMatchObject({ requests: 1, failures: 1, completed: 0, cancellations: 0, inFlight: 0 });
    });
  }

  it('releases the reservation when the stream stalls past UPSTREAM_IDLE_TIMEOUT_MS', async () => {
    const gw = await start({ models: [model('groq', 'm')], env: { UPSTREAM_IDLE_TIMEOUT_MS: '200' } });
    gw.sim.setBehaviour('groq', 'm', { kind: 'stall-after-first-token' });

    await readSse(await postChat(gw, hello));
    const entry = await usageOf(gw, 'groq/m');

    expect(entry.windows.minute.reservedTokens).toBe(0);
    expect(entry.totals).toMatchObject({ failures: 1, completed: 0, inFlight: 0 });
  });
});
