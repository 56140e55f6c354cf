// Model discovery against the simulator's model lists (changed at run time): a model retired
// mid-run is skipped without a request spent on it and restored when listed again, a failing
// listing keeps what was known, offered models the catalog does not use are shown (and served with
// DISCOVERY_AUTO_ENABLE), a keyless local provider is listed too.
import { describe, expect, it } from 'vitest';
import { eventually, gatewayPerTest, getModels, modelView } from '../../support/gateway-client.js';
import { hello, model, postChat, type Gateway } from '../../support/gateway-harness.js';

const start = gatewayPerTest();
const DISCOVERY = { MODEL_DISCOVERY_INTERVAL_MS: '100', ROTATION_STRATEGY: 'priority' };
const group = [model('groq', 'a', { model: 'm', priority: 1 }), model('cerebras', 'a', { model: 'm', priority: 2 })];

const servedBy = async (gw: Gateway, body: object = { ...hello, model: 'm' }) => {
  const response = await postChat(gw, { ...body, stream: false });
  expect(response.status).toBe(200);
  return ((await response.json()) as { provider: string }).provider;
};

describe('model discovery (MODEL_DISCOVERY_INTERVAL_MS)', () => {
  it('skips a model its provider retired mid-run without spending a request on it, and serves it again once listed', async () => {
    const gw = await start({ models: group, env: DISCOVERY });
    gw.sim.setOfferedModels('groq', ['a']);
    gw.sim.setOfferedModels('cerebras', ['a']);
    await eventually(async () => expect((await getModels(gw)).discovery.providers.map((listing) => listing.provider).sort()).toEqual(['cerebras', 'groq']));
    expect(await servedBy(gw)).toBe('groq');

    gw.sim.setOfferedModels('groq', []);
    await eventually(async () => expect((await modelView(gw, 'groq/a')).reason).toMatch(/^not offered by groq since \d{4}-\d\d-\d\dT.*\(its model list\)$/));
    const groqCalls = gw.sim.requestsFor('groq').length;
    for (let i = 0; i < 3; i++) expect(await servedBy(gw)).toBe('cerebras');
    expect(gw.sim.requestsFor('groq')).toHaveLength(groqCalls);
    const listed = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((entry) => entry.id)).not.toContain('groq/a');

    gw.sim.setOfferedModels('groq', ['a']);
    await eventually(async () => expect((await modelView(gw, 'groq/a')).available).toBe(true));
    expect(await servedBy(gw)).toBe('groq');
  });

  it('keeps what it knew while a listing fails, and says why in GET /models', async () => {
    const gw = await start({ models: group, env: DISCOVERY });
    gw.sim.setOfferedModels('groq', []);
    await eventually(async () => expect((await modelView(gw, 'groq/a')).available).toBe(false));
    gw.sim.setModelListFailure('groq', 503);
    gw.sim.setOfferedModels('groq', ['a']);
    await eventually(async () => {
      const groq = (await getModels(gw)).discovery.providers.find((listing) => listing.provider === 'groq');
      expect(groq?.error).toMatch(/groq/);
      expect(groq?.listedAt).toEqual(expect.any(String));
    });
    // Still the last good list: retired, though the provider would serve it now.
    expect((await modelView(gw, 'groq/a')).available).toBe(false);
    gw.sim.setModelListFailure('groq', null);
    await eventually(async () => expect((await modelView(gw, 'groq/a')).available).toBe(true));
    expect((await getModels(gw)).discovery.providers.find((listing) => listing.provider === 'groq')?.error).toBeNull();
  });

  it("starts, and serves, while a provider's model list cannot be read at all", async () => {
    const gw = await start({ models: group, env: DISCOVERY });
    gw.sim.setModelListFailure('groq', 500);
    gw.sim.setModelListFailure('cerebras', 401);
    await eventually(async () => expect(gw.sim.modelListRequests('groq')).toBeGreaterThan(1));
    expect(await servedBy(gw)).toBe('groq');
    expect((await getModels(gw)).models.every((view) => view.available)).toBe(true);
  });

  it('neither start-up nor a request waits for a provider slow to list its models', async () => {
    const gw = await start({ models: group, env: DISCOVERY });
    gw.sim.setModelListDelay('groq', 5_000);
    gw.sim.setModelListDelay('cerebras', 5_000);
    const startedAt = performance.now();
    const restarted = await start({ sim: gw.sim, models: group, env: DISCOVERY });
    expect(await servedBy(restarted)).toBe('groq');
    // Started and answered long before either list arrives (and closing it does not wait for them either).
    expect(performance.now() - startedAt).toBeLessThan(3_000);
    expect(gw.sim.modelListRequests('groq')).toBeGreaterThan(0);
  });

  it('lists what a provider offers that the catalog does not use, with the context window it reports', async () => {
    const gw = await start({ models: group, env: DISCOVERY });
    gw.sim.setOfferedModels('groq', ['a', 'new-model']);
    gw.sim.setOfferedModels('cerebras', ['a']);
    await eventually(async () => expect((await getModels(gw)).discovered).toEqual([{ provider: 'groq', id: 'new-model', contextWindow: 131_072 }]));
    // Groq's list reports context windows, Cerebras' does not.
    expect((await modelView(gw, 'groq/a')).contextWindow).toBe(131_072);
    expect((await modelView(gw, 'cerebras/a')).contextWindow).toBeNull();
    const refused = await postChat(gw, { ...hello, model: 'new-model', stream: false });
    expect(refused.status).toBe(404);
  });

  it('DISCOVERY_AUTO_ENABLE=true serves what a provider offers beyond the catalog, with default limits', async () => {
    const gw = await start({ models: group, env: { ...DISCOVERY, DISCOVERY_AUTO_ENABLE: 'true' } });
    gw.sim.setOfferedModels('groq', ['a', 'new-model']);
    gw.sim.setOfferedModels('cerebras', ['a']);
    await eventually(async () => expect((await modelView(gw, 'groq/new-model')).available).toBe(true));
    expect(await servedBy(gw, { ...hello, model: 'new-model' })).toBe('groq');
    expect(await modelView(gw, 'groq/new-model')).toMatchObject({
      model: 'new-model',
      priority: 1_000,
      contextWindow: 131_072,
      configuredLimits: { requestsPerMinute: 30, requestsPerDay: 1_000, tokensPerMinute: 8_000, tokensPerDay: 200_000 },
    });
    expect((await getModels(gw)).discovered).toEqual([]);
    const usage = (await (await fetch(`${gw.url}/usage`)).json()) as { models: Array<{ key: string }> };
    expect(usage.models.map((entry) => entry.key)).toContain('groq/new-model');
  });

  it('lists a keyless local provider too, and retires its models the same way', async () => {
    const gw = await start({ models: [model('local', 'gpt-oss-20b', { model: 'm', priority: 1 }), model('cerebras', 'a', { model: 'm', priority: 2 })], env: DISCOVERY });
    gw.sim.setOfferedModels('local', ['gpt-oss-20b']);
    gw.sim.setOfferedModels('cerebras', ['a']);
    await eventually(async () => expect((await getModels(gw)).discovery.providers.find((listing) => listing.provider === 'local')?.models).toBe(1));
    expect(gw.sim.requestsFor('local')).toHaveLength(0);
    gw.sim.setOfferedModels('local', []);
    await eventually(async () => expect((await modelView(gw, 'local/gpt-oss-20b')).available).toBe(false));
    expect(await servedBy(gw)).toBe('cerebras');
    expect(gw.sim.requestsFor('local')).toHaveLength(0);
  });
});
