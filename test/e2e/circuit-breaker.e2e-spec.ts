// Circuit breaker: a deployment failing most of its recent requests is skipped for a cooldown,
// then gets a single probe request; the probe's outcome closes the circuit or opens it again.
import { describe, expect, it } from 'vitest';
import { Clock } from '../../src/usage/clock.js';
import type { Behaviour } from '../support/simulator/provider-simulator.js';
import { gatewayPerTest, modelView } from '../support/gateway-client.js';
import { hello, model, postChat, type Gateway } from '../support/gateway-harness.js';
import { dataOf, readSse } from '../support/sse-stream.js';

const start = gatewayPerTest();

/** groq/first tried before cerebras/second (priority strategy); default breaker settings (5 attempts, 50 %, 30 s). */
function pair(env: Record<string, string> = {}): Promise<Gateway> {
  return start({
    models: [model('groq', 'first', { priority: 1 }), model('cerebras', 'second', { priority: 2 })],
    env: { ROTATION_STRATEGY: 'priority', UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '300', UPSTREAM_IDLE_TIMEOUT_MS: '300', ...env },
  });
}

/** Moves the gateway's clock (windows, cooldowns, circuits) forward by `ms`. */
function advanceClock(gw: Gateway, ms: number): void {
  const clock = gw.app.get(Clock);
  const now = clock.now.bind(clock);
  clock.now = () => now() + ms;
}

/** Sends `count` requests one after the other; returns who answered each. */
async function sendSequentially(gw: Gateway, count: number): Promise<Array<Record<string, unknown>>> {
  const metas: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) metas.push(dataOf(await readSse(await postChat(gw, hello)), 'meta')[0]!);
  return metas;
}

/** Five requests, each failing on groq/first: its circuit opens (the default 5 attempts at 50 %). */
async function tripFirst(gw: Gateway): Promise<void> {
  gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 500 });
  await sendSequentially(gw, 5);
  expect((await modelView(gw, 'groq/first')).circuit.state).toBe('open');
}

describe('opening', () => {
  it('opens the circuit after enough upstream 500s: GET /models shows it open and later requests go to the other deployment without calling it', async () => {
    const gw = await pair();
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 500 });

    const before = Date.now();
    const answeredBefore = await sendSequentially(gw, 5);
    const view = await modelView(gw, 'groq/first');

    expect(answeredBefore.every((meta) => meta.provider === 'cerebras')).toBe(true);
    expect(view).toMatchObject({
      available: false,
      reason: expect.stringContaining('circuit open after repeated upstream failures (5 of the last 5 requests failed)'),
      circuit: { state: 'open', openUntil: expect.any(String), recentFailures: 5, recentAttempts: 5 },
    });
    expect(Date.parse(view.circuit.openUntil!)).toBeGreaterThanOrEqual(before + 30_000);
    expect(Date.parse(view.circuit.openUntil!)).toBeLessThanOrEqual(Date.now() + 30_000);
    expect((await modelView(gw, 'cerebras/second')).circuit).toEqual({
      state: 'closed',
      openUntil: null,
      recentFailures: 0,
      recentAttempts: 5,
    });

    const answeredAfter = await sendSequentially(gw, 3);

    expect(answeredAfter).toMatchObject([
      { provider: 'cerebras', attempts: [] },
      { provider: 'cerebras', attempts: [] },
      { provider: 'cerebras', attempts: [] },
    ]);
    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(5);
  });

  it('stays closed below CIRCUIT_BREAKER_MIN_REQUESTS failed attempts', async () => {
    const gw = await pair();
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 500 });

    await sendSequentially(gw, 4);

    expect((await modelView(gw, 'groq/first')).circuit).toMatchObject({ state: 'closed', recentFailures: 4, recentAttempts: 4 });
    await sendSequentially(gw, 1);
    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(5);
  });

  it('stays closed while the failure ratio is below CIRCUIT_BREAKER_FAILURE_RATIO', async () => {
    const gw = await pair({ CIRCUIT_BREAKER_FAILURE_RATIO: '0.7' });
    const fail: Behaviour = { kind: 'error', status: 500 };
    const ok: Behaviour = { kind: 'ok' };
    gw.sim.setBehaviour('groq', 'first', fail, ok, fail, ok, fail, ok, fail, ok);

    await sendSequentially(gw, 8);

    expect((await modelView(gw, 'groq/first')).circuit).toMatchObject({ state: 'closed', recentFailures: 4, recentAttempts: 8 });
    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(8);
  });

  const counted: Array<{ name: string; behaviour: Behaviour }> = [
    { name: 'an error frame', behaviour: { kind: 'error-frame', afterChunks: 0 } },
    { name: 'a malformed chunk', behaviour: { kind: 'malformed-chunk', afterChunks: 0 } },
    { name: 'a refused connection', behaviour: { kind: 'refuse' } },
    { name: 'no first token in time', behaviour: { kind: 'hang' } },
    { name: 'a stream broken after its first token', behaviour: { kind: 'drop-mid-stream', afterChunks: 1 } },
    { name: 'a stream stalled after its first token', behaviour: { kind: 'stall-after-first-token' } },
  ];
  for (const { name, behaviour } of counted) {
    it(`counts ${name} as a failure`, async () => {
      const gw = await pair();
      gw.sim.setBehaviour('groq', 'first', behaviour);

      await sendSequentially(gw, 5);
      const [answered] = await sendSequentially(gw, 1);

      expect((await modelView(gw, 'groq/first')).circuit).toMatchObject({ state: 'open', recentFailures: 5 });
      expect(answered).toMatchObject({ provider: 'cerebras', attempts: [] });
      expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(5);
    });
  }

  const neutral: Array<{ name: string; behaviour: Behaviour }> = [
    { name: '429 rate limits', behaviour: { kind: 'error', status: 429, headers: { 'retry-after': '0' } } },
    { name: '413 payload too large', behaviour: { kind: 'error', status: 413 } },
  ];
  for (const { name, behaviour } of neutral) {
    it(`does not count ${name}`, async () => {
      const gw = await pair();
      gw.sim.setBehaviour('groq', 'first', behaviour);

      await sendSequentially(gw, 6);

      expect((await modelView(gw, 'groq/first')).circuit).toMatchObject({ state: 'closed', recentFailures: 0, recentAttempts: 0 });
      expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(6);
    });
  }

  it('never opens with CIRCUIT_BREAKER_ENABLED=false', async () => {
    const gw = await pair({ CIRCUIT_BREAKER_ENABLED: 'false' });
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 500 });

    await sendSequentially(gw, 7);

    expect((await modelView(gw, 'groq/first')).circuit.state).toBe('closed');
    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(7);
  });
});

describe('while open', () => {
  it('answers 503 naming the open circuit, with Retry-After and without calling upstream, for a request pinned to it', async () => {
    const gw = await pair();
    await tripFirst(gw);

    const response = await postChat(gw, { ...hello, model: 'groq/first' });

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      error: { code: 'no_models_available', message: expect.stringContaining('groq/first: circuit open') },
    });
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(29);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(5);
  });
});

describe('after the cooldown', () => {
  it('lets exactly one probe through while concurrent requests go elsewhere, and closes the circuit when the probe succeeds', async () => {
    const gw = await pair({ UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '2000' });
    await tripFirst(gw);
    gw.sim.setBehaviour('groq', 'first', { kind: 'ok', firstTokenDelayMs: 300 });
    advanceClock(gw, 30_000);
    expect(await modelView(gw, 'groq/first')).toMatchObject({ available: true, circuit: { state: 'half_open', openUntil: null } });

    const metas = await Promise.all(
      [0, 1, 2].map(async () => dataOf(await readSse(await postChat(gw, hello)), 'meta')[0]!),
    );

    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(6);
    expect(metas.map((meta) => String(meta.provider)).sort((a, b) => a.localeCompare(b))).toEqual(['cerebras', 'cerebras', 'groq']);
    expect(await modelView(gw, 'groq/first')).toMatchObject({
      available: true,
      circuit: { state: 'closed', openUntil: null, recentFailures: 0, recentAttempts: 0 },
    });
    const [next] = await sendSequentially(gw, 1);
    expect(next).toMatchObject({ provider: 'groq', model: 'first' });
  });

  it('opens the circuit again, for twice the cooldown, when the probe fails', async () => {
    const gw = await pair();
    await tripFirst(gw);
    advanceClock(gw, 30_000);

    const [probed] = await sendSequentially(gw, 1);
    const view = await modelView(gw, 'groq/first');

    expect(probed).toMatchObject({ provider: 'cerebras', attempts: [{ provider: 'groq', model: 'first', error: 'server_error' }] });
    expect(view.circuit.state).toBe('open');
    const reopenedFor = Date.parse(view.circuit.openUntil!) - gw.app.get(Clock).now();
    expect(reopenedFor).toBeGreaterThan(59_000);
    expect(reopenedFor).toBeLessThanOrEqual(60_000);
    await sendSequentially(gw, 2);
    expect(gw.sim.requestsFor('groq', 'first')).toHaveLength(6);
  });
});
