// ROTATION_STRATEGY=latency against the simulator: a deployment made slow mid-run loses its share
// within the documented number of its answers, and wins it back once fast again (through the
// exploring share); GET /models shows each deployment's estimate.
import { describe, expect, it } from 'vitest';
import { gatewayPerTest, getModels, modelView } from '../../support/gateway-client.js';
import { hello, model, postChat, type Gateway } from '../../support/gateway-harness.js';

const start = gatewayPerTest();
const FAST = 10;
const STEADY = 60;
const SLOW = 200;

async function servedBy(gw: Gateway): Promise<string> {
  const response = await postChat(gw, { ...hello, model: 'm', stream: false });
  expect(response.status).toBe(200);
  return ((await response.json()) as { provider: string }).provider;
}

async function shares(gw: Gateway, requests: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const provider = await servedBy(gw);
    counts[provider] = (counts[provider] ?? 0) + 1;
  }
  return counts;
}

describe('ROTATION_STRATEGY=latency', () => {
  it('sends most traffic to the fastest, moves it away from one that turns slow, and back once it recovers', async () => {
    const gw = await start({
      models: [model('groq', 'm'), model('cerebras', 'm')],
      env: { ROTATION_STRATEGY: 'latency', LATENCY_HALF_LIFE_ANSWERS: '3', LATENCY_EXPLORATION: '0.1' },
    });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', firstTokenDelayMs: FAST });
    gw.sim.setBehaviour('cerebras', 'm', { kind: 'ok', firstTokenDelayMs: STEADY });

    // No estimate yet: each is tried first once, in catalog order.
    expect([await servedBy(gw), await servedBy(gw)]).toEqual(['groq', 'cerebras']);
    const fast = await shares(gw, 20);
    expect(fast.groq ?? 0).toBeGreaterThanOrEqual(14);
    expect((await modelView(gw, 'groq/m')).latency).toMatchObject({ answers: expect.any(Number), timeToFirstTokenMs: expect.any(Number) });
    expect((await modelView(gw, 'groq/m')).latency!.timeToFirstTokenMs).toBeLessThan((await modelView(gw, 'cerebras/m')).latency!.timeToFirstTokenMs);

    // Groq turns slow: with a half-life of 3 answers, 10 → 200 ms against 60 ms crosses after
    // ceil(3 · log2(190 / 140)) = 2 of its answers (docs/configuration.md).
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', firstTokenDelayMs: SLOW });
    let groqAnswers = 0;
    while ((await getModels(gw)).groups[0]!.nextPick === 'groq/m') {
      if ((await servedBy(gw)) === 'groq') groqAnswers += 1;
      expect(groqAnswers).toBeLessThanOrEqual(3);
    }
    const slow = await shares(gw, 20);
    expect(slow.cerebras ?? 0).toBeGreaterThanOrEqual(14);

    // Fast again: only the exploring share reaches it, and a few fast answers bring it back first.
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', firstTokenDelayMs: FAST });
    let requests = 0;
    while ((await getModels(gw)).groups[0]!.nextPick !== 'groq/m') {
      await servedBy(gw);
      requests += 1;
      expect(requests).toBeLessThanOrEqual(300);
    }
    const recovered = await shares(gw, 20);
    expect(recovered.groq ?? 0).toBeGreaterThanOrEqual(14);
  });
});
