// Failover matrix, two deployments of one model: every fault that strikes before the first token,
// in every response mode. The second deployment answers unless the fault is one that another
// deployment cannot cure.
import { describe, expect, it } from 'vitest';
import type { ProviderName } from '../../support/simulator/provider-simulator.js';
import { freshUsageWindows, gatewayPerTest, getModels, modelView } from '../../support/gateway-client.js';
import { model } from '../../support/gateway-harness.js';
import {
  EARLY_FAULTS,
  ENV,
  FIRST_TOKEN_TIMEOUT_MS,
  MODES,
  PROVIDERS,
  PUBLIC_MODEL,
  expectGaveUp,
  gatewayNow,
  expectModelState,
  expectNothingOpenUpstream,
  expectUsage,
  other,
  type EarlyFault,
} from './matrix.js';

const start = gatewayPerTest();

const FIRST_CONTENT = ['Hi', ' from', ' first'];
const SECOND_CONTENT = ['from', ' second'];

/** `first` on the failing provider, then `second` on the other one (priority order). */
async function pair(failing: ProviderName) {
  const gw = await start({
    models: [
      model(failing, 'first', { model: PUBLIC_MODEL, priority: 1 }),
      model(other(failing), 'second', { model: PUBLIC_MODEL, priority: 2 }),
    ],
    env: ENV,
  });
  // Counts are checked per window: none may roll over mid-test.
  freshUsageWindows(gw);
  return gw;
}

function outcome(fault: EarlyFault): string {
  if (!fault.fallsBack) return '502 upstream_error without trying the second';
  const left = fault.effect.type === 'cooldown' ? ', first cooled down' : fault.effect.type === 'unavailable' ? ', first unavailable' : '';
  return `served by the second${left}`;
}

const cases = EARLY_FAULTS.flatMap((fault) => fault.providers.map((provider) => ({ fault, provider })));

for (const mode of MODES) {
  describe(`${mode.name}: a fault before the first token, two deployments`, () => {
    for (const { fault, provider } of cases) {
      it(`${provider} ${fault.name} → ${outcome(fault)}`, async () => {
        const fallback = other(provider);
        const gw = await pair(provider);
        gw.sim.setBehaviour(provider, 'first', fault.behaviour(provider));
        gw.sim.setBehaviour(fallback, 'second', { kind: 'ok', content: SECOND_CONTENT });
        const attempts = [{ model: 'first', provider, error: fault.kind }];

        const sentAt = gatewayNow(gw);
        const startedAt = performance.now();
        const response = await mode.send(gw);
        if (fault.fallsBack) {
          await mode.expectServed(response, { id: 'second', provider: fallback, attempts, content: SECOND_CONTENT });
        } else {
          const mentions = `${provider}/first: ${fault.kind}`;
          await mode.expectRefused(response, { status: 502, code: 'upstream_error', attempts, mentions });
        }
        const elapsed = performance.now() - startedAt;
        const answeredAt = gatewayNow(gw);

        // One request per deployment tried: no SDK retries, no second go at the failed one.
        expect(gw.sim.requestsFor(provider, 'first')).toHaveLength(1);
        expect(gw.sim.requestsFor(fallback, 'second')).toHaveLength(fault.fallsBack ? 1 : 0);
        expect(gw.sim.requests).toHaveLength(fault.fallsBack ? 2 : 1);
        await expectGaveUp(gw, () => gw.sim.requestsFor(provider, 'first')[0], elapsed, fault.timesOut ? FIRST_TOKEN_TIMEOUT_MS : null);
        await expectNothingOpenUpstream(gw);

        await expectUsage(gw, `${provider}/first`, { requests: 1, failures: 1, fallbacks: fault.fallsBack ? 1 : 0 });
        await expectUsage(gw, `${fallback}/second`, fault.fallsBack ? { requests: 1, completed: 1 } : { requests: 0 });
        await expectModelState(gw, `${provider}/first`, provider, fault.effect, sentAt, answeredAt);
        await expectModelState(gw, `${fallback}/second`, fallback, { type: 'none' }, sentAt, answeredAt);
        expect((await modelView(gw, `${provider}/first`)).rateLimit !== null).toBe(fault.headersSeen);
        const deployments = [`${provider}/first`, `${fallback}/second`];
        // The next request goes to the first again unless the fault took it out (a cooldown, or unavailable).
        const nextPick = fault.effect.type === 'none' ? `${provider}/first` : `${fallback}/second`;
        expect((await getModels(gw)).groups).toEqual([{ model: PUBLIC_MODEL, deployments, available: true, nextPick }]);
      });
    }

    it.each(PROVIDERS)('%s: a first token just within UPSTREAM_FIRST_TOKEN_TIMEOUT_MS is served, no fallback', async (provider) => {
      const gw = await pair(provider);
      gw.sim.setBehaviour(provider, 'first', { kind: 'ok', content: FIRST_CONTENT, firstTokenDelayMs: FIRST_TOKEN_TIMEOUT_MS / 4 });

      await mode.expectServed(await mode.send(gw), { id: 'first', provider, attempts: [], content: FIRST_CONTENT });

      expect(gw.sim.requests).toHaveLength(1);
      await expectUsage(gw, `${provider}/first`, { requests: 1, completed: 1 });
      await expectUsage(gw, `${other(provider)}/second`, { requests: 0 });
    });
  });
}

describe('the next request after a fault before the first token (SSE)', () => {
  const [sse] = MODES;

  for (const { fault, provider } of cases) {
    const next = fault.effect.type === 'none' ? 'the first is asked again' : 'the first is skipped without a request';
    it(`${provider} ${fault.name} → ${next}`, async () => {
      const fallback = other(provider);
      const gw = await pair(provider);
      gw.sim.setBehaviour(provider, 'first', fault.behaviour(provider), { kind: 'ok', content: FIRST_CONTENT });
      gw.sim.setBehaviour(fallback, 'second', { kind: 'ok', content: SECOND_CONTENT });
      await (await sse!.send(gw)).text();

      const response = await sse!.send(gw);

      // A cooldown or unavailability skips the first without a request (so no attempt is listed);
      // anything else leaves nothing to remember, and the first is asked again.
      const remembered = fault.effect.type !== 'none';
      await sse!.expectServed(response, {
        ...(remembered ? { id: 'second', provider: fallback, content: SECOND_CONTENT } : { id: 'first', provider, content: FIRST_CONTENT }),
        attempts: [],
      });
      expect(gw.sim.requestsFor(provider, 'first')).toHaveLength(remembered ? 1 : 2);
      expect(gw.sim.requestsFor(fallback, 'second')).toHaveLength((fault.fallsBack ? 1 : 0) + (remembered ? 1 : 0));
      await expectUsage(gw, `${provider}/first`, {
        requests: remembered ? 1 : 2,
        completed: remembered ? 0 : 1,
        failures: 1,
        fallbacks: fault.fallsBack ? 1 : 0,
        limited: fault.effect.type === 'cooldown' ? 1 : 0,
      });
    });
  }
});

describe('a rejected key, several deployments on that provider', () => {
  for (const provider of PROVIDERS) {
    it(`${provider} 401: the provider's other deployments are not tried with the same key, and are reported unavailable`, async () => {
      const fallback = other(provider);
      const gw = await start({
        models: [
          model(provider, 'a', { model: PUBLIC_MODEL, priority: 1 }),
          model(provider, 'b', { model: PUBLIC_MODEL, priority: 2 }),
          model(fallback, 'c', { model: PUBLIC_MODEL, priority: 3 }),
        ],
        env: ENV,
      });
      const rejected = EARLY_FAULTS.find((fault) => fault.kind === 'auth')!;
      gw.sim.setBehaviour(provider, 'a', rejected.behaviour(provider));
      gw.sim.setBehaviour(provider, 'b', rejected.behaviour(provider));
      gw.sim.setBehaviour(fallback, 'c', { kind: 'ok', content: SECOND_CONTENT });

      const [sse] = MODES;
      await sse!.expectServed(await sse!.send(gw), {
        id: 'c',
        provider: fallback,
        attempts: [{ model: 'a', provider, error: 'auth' }],
        content: SECOND_CONTENT,
      });

      // The key belongs to the provider, not to one model: one 401 says every model will get one.
      expect(gw.sim.requestsFor(provider)).toHaveLength(1);
      const reason = `${provider} rejected the API key; skipped until restart`;
      expect(await modelView(gw, `${provider}/b`)).toMatchObject({ available: false, reason });
    });
  }
});
