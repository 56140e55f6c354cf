// Failover matrix, faults after the first token: the answer has begun, so there is no fallback
// even with a second deployment; the client must be able to tell the answer is incomplete.
import { describe, expect, it } from 'vitest';
import type { ProviderName } from '../../support/simulator/provider-simulator.js';
import { freshUsageWindows, gatewayPerTest } from '../../support/gateway-client.js';
import { model } from '../../support/gateway-harness.js';
import {
  ENV,
  IDLE_TIMEOUT_MS,
  LATE_FAULTS,
  MODES,
  PROVIDERS,
  PUBLIC_MODEL,
  expectGaveUp,
  gatewayNow,
  expectModelState,
  expectNothingOpenUpstream,
  expectUsage,
  other,
} from './matrix.js';

const start = gatewayPerTest();

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

for (const mode of MODES) {
  describe(`${mode.name}: a fault after the first token, two deployments`, () => {
    for (const fault of LATE_FAULTS) {
      for (const provider of PROVIDERS) {
        it(`${provider} ${fault.name} → ${fault.code}, the second is not tried`, async () => {
          const gw = await pair(provider);
          gw.sim.setBehaviour(provider, 'first', fault.behaviour);

          const sentAt = gatewayNow(gw);
          const startedAt = performance.now();
          const response = await mode.send(gw);
          await mode.expectCut(response, {
            id: 'first',
            provider,
            delivered: fault.delivered,
            code: fault.code,
            message: fault.message(provider),
          });
          const elapsed = performance.now() - startedAt;

          expect(gw.sim.requestsFor(provider, 'first')).toHaveLength(1);
          expect(gw.sim.requests).toHaveLength(1);
          // The gateway hangs up on a stalled stream rather than leaving it open upstream.
          await expectGaveUp(gw, () => gw.sim.requests[0], elapsed, fault.stalls ? IDLE_TIMEOUT_MS : null);
          await expectNothingOpenUpstream(gw);

          await expectUsage(gw, `${provider}/first`, { requests: 1, failures: 1 });
          await expectUsage(gw, `${other(provider)}/second`, { requests: 0 });
          // A broken stream says nothing about quota or the model: no cooldown, still available.
          await expectModelState(gw, `${provider}/first`, provider, { type: 'none' }, sentAt, gatewayNow(gw));
        });
      }
    }
  });
}
