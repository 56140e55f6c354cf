// The zero-config start with only GROQ_API_KEY set: the built-in catalog, discovery at its default
// (on, hourly), a Groq that lists the models it serves. Everything serves as it did before providers
// were configurable and models discovered: Groq's models, Cerebras' unavailable for want of a key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gatewayPerTest, getModels } from '../../support/gateway-client.js';
import { hello, postChat } from '../../support/gateway-harness.js';
import { KNOWN_MODELS } from '../../support/simulator/scenarios.js';
import { ProviderSimulator } from '../../support/simulator/provider-simulator.js';

const start = gatewayPerTest();
const sim = new ProviderSimulator({ models: KNOWN_MODELS });
beforeAll(() => sim.start());
afterAll(() => sim.stop());

describe('the default start with only GROQ_API_KEY', () => {
  it("serves the built-in catalog's Groq models, lists Groq's models once at start-up, and says Cerebras needs its key", async () => {
    const gw = await start({ sim, env: { CEREBRAS_API_KEY: undefined, MODEL_DISCOVERY_INTERVAL_MS: undefined } });
    await eventually(async () => expect((await getModels(gw)).discovery.providers).toEqual([expect.objectContaining({ provider: 'groq', models: 3, error: null })]));
    const { models, discovered, discovery } = await getModels(gw);
    expect(discovery.intervalMs).toBe(3_600_000);
    expect(discovered).toEqual([]);
    expect(models.filter((view) => view.provider === 'groq').every((view) => view.available)).toBe(true);
    expect(models.filter((view) => view.provider === 'cerebras').map((view) => view.reason)).toEqual(['CEREBRAS_API_KEY is not set', 'CEREBRAS_API_KEY is not set']);
    expect(sim.modelListRequests('cerebras')).toBe(0);

    const answer = (await (await postChat(gw, { ...hello, stream: false })).json()) as { provider: string };
    expect(answer.provider).toBe('groq');
    const status = (await (await fetch(`${gw.url}/`)).json()) as { status: string };
    expect(status.status).toBe('ok');
  });
});
