// Which deployments a request may go to: a model id, a pinned provider/id, or the rotation
// strategy over every available model.
import { describe, expect, it } from 'vitest';
import { gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, postChat, type Gateway } from '../support/gateway-harness.js';
import { dataOf, readSse } from '../support/sse-stream.js';

const start = gatewayPerTest();

/** `gpt` is served by both providers; `openai/gpt-oss-20b` (a Groq id with a slash) and `solo` by one. */
const catalog = [
  model('groq', 'gpt', { priority: 1 }),
  model('cerebras', 'gpt', { priority: 2 }),
  model('groq', 'openai/gpt-oss-20b', { priority: 3 }),
  model('cerebras', 'solo', { priority: 4 }),
];

/** `provider/model` of the deployment that answered. */
async function answeredBy(gw: Gateway, body: object): Promise<string> {
  const response = await postChat(gw, body);
  expect(response.status).toBe(200);
  const [meta] = dataOf<{ model: string; provider: string }>(await readSse(response), 'meta');
  return `${meta!.provider}/${meta!.model}`;
}

const sent = (gw: Gateway) => gw.sim.requests.map((request) => `${request.provider}/${request.model}`);

describe('with a model', () => {
  it('sends a model id only to the deployments of that id, on any provider', async () => {
    const gw = await start({ models: catalog });

    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await answeredBy(gw, { ...hello, model: 'gpt' }));

    expect(new Set(answers)).toEqual(new Set(['groq/gpt', 'cerebras/gpt']));
    expect(new Set(sent(gw))).toEqual(new Set(['groq/gpt', 'cerebras/gpt']));
  });

  it('falls back only among the deployments of the requested model id', async () => {
    const gw = await start({ models: catalog, env: { ROTATION_STRATEGY: 'priority' } });
    gw.sim.setBehaviour('groq', 'gpt', { kind: 'error', status: 500 });
    gw.sim.setBehaviour('cerebras', 'gpt', { kind: 'error', status: 503 });

    const response = await postChat(gw, { ...hello, model: 'gpt' });

    expect(response.status).toBe(502);
    expect(sent(gw).sort()).toEqual(['cerebras/gpt', 'groq/gpt']);
  });

  it('pins one deployment with provider/id', async () => {
    const gw = await start({ models: catalog });

    for (let i = 0; i < 3; i++) expect(await answeredBy(gw, { ...hello, model: 'cerebras/gpt' })).toBe('cerebras/gpt');

    expect(sent(gw)).toEqual(['cerebras/gpt', 'cerebras/gpt', 'cerebras/gpt']);
  });

  it('does not fall back to another provider of the same model when a provider/id pin fails', async () => {
    const gw = await start({ models: catalog });
    gw.sim.setBehaviour('cerebras', 'gpt', { kind: 'error', status: 500 });

    const response = await postChat(gw, { ...hello, model: 'cerebras/gpt' });

    expect(response.status).toBe(502);
    expect(sent(gw)).toEqual(['cerebras/gpt']);
  });

  it('accepts a Groq model id that contains a slash, bare or pinned', async () => {
    const gw = await start({ models: catalog });

    expect(await answeredBy(gw, { ...hello, model: 'openai/gpt-oss-20b' })).toBe('groq/openai/gpt-oss-20b');
    expect(await answeredBy(gw, { ...hello, model: 'groq/openai/gpt-oss-20b' })).toBe('groq/openai/gpt-oss-20b');
    expect(gw.sim.requests.map((request) => request.body.model)).toEqual(['openai/gpt-oss-20b', 'openai/gpt-oss-20b']);
  });

  for (const unknown of ['no-such-model', 'groq/solo', 'mistral/gpt']) {
    it(`answers 404 model_not_found for "${unknown}" without calling any provider`, async () => {
      const gw = await start({ models: catalog });

      const response = await postChat(gw, { ...hello, model: unknown });

      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'model_not_found', message: expect.any(String) } });
      expect(gw.sim.requests).toHaveLength(0);
    });
  }
});

describe('without a model (ROTATION_STRATEGY)', () => {
  it('round-robin: successive requests start at the next model, covering every available model', async () => {
    const gw = await start({ models: catalog, env: { ROTATION_STRATEGY: 'round-robin' } });

    const answers = [];
    for (let i = 0; i < catalog.length * 2; i++) answers.push(await answeredBy(gw, hello));

    const keys = catalog.map((entry) => `${entry.provider}/${entry.id}`);
    expect(answers).toEqual([...keys, ...keys]);
  });

  it('round-robin: skips a model that is not available (disabled)', async () => {
    const gw = await start({
      models: [model('groq', 'a'), model('cerebras', 'b', { enabled: false }), model('groq', 'c')],
      env: { ROTATION_STRATEGY: 'round-robin' },
    });

    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await answeredBy(gw, hello));

    expect(answers).toEqual(['groq/a', 'groq/c', 'groq/a', 'groq/c']);
    expect(gw.sim.requestsFor('cerebras')).toHaveLength(0);
  });

  it('priority: always the model with the lowest priority value while it can serve', async () => {
    const gw = await start({
      models: [model('groq', 'low', { priority: 5 }), model('cerebras', 'top', { priority: 1 }), model('groq', 'mid', { priority: 3 })],
      env: { ROTATION_STRATEGY: 'priority' },
    });

    for (let i = 0; i < 3; i++) expect(await answeredBy(gw, hello)).toBe('cerebras/top');
  });

  it('least-used: the model with the smallest share of its per-minute limits goes first', async () => {
    const gw = await start({
      models: [
        model('groq', 'small', { limits: { requestsPerMinute: 2, requestsPerDay: 1000, tokensPerMinute: 100_000, tokensPerDay: 1_000_000 } }),
        model('cerebras', 'large', { limits: { requestsPerMinute: 100, requestsPerDay: 1000, tokensPerMinute: 100_000, tokensPerDay: 1_000_000 } }),
      ],
      env: { ROTATION_STRATEGY: 'least-used' },
    });

    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await answeredBy(gw, hello));

    // Idle both (tie → catalog order), then small is at 1/2 while large is at 1/100.
    expect(answers).toEqual(['groq/small', 'cerebras/large', 'cerebras/large']);
  });

  it('random: every request is answered by one of the available models', async () => {
    const gw = await start({ models: catalog, env: { ROTATION_STRATEGY: 'random' } });

    const keys = new Set(catalog.map((entry) => `${entry.provider}/${entry.id}`));
    for (let i = 0; i < 6; i++) expect(keys).toContain(await answeredBy(gw, hello));
    expect(gw.sim.requests).toHaveLength(6);
  });
});

describe("GET /models: each model's next pick", () => {
  const nextPicks = async (gw: Gateway) => {
    const body = (await (await fetch(`${gw.url}/models`)).json()) as { groups: Array<{ model: string; nextPick: string | null }> };
    return Object.fromEntries(body.groups.map((group) => [group.model, group.nextPick]));
  };

  it('round-robin: names the deployment that answers the next request, and reading it moves nothing', async () => {
    const gw = await start({ models: catalog });
    for (let i = 0; i < 4; i++) {
      const named = (await nextPicks(gw)).gpt;
      expect((await nextPicks(gw)).gpt).toBe(named);
      expect(await answeredBy(gw, { ...hello, model: 'gpt' })).toBe(named);
    }
    expect(sent(gw)).toEqual(['groq/gpt', 'cerebras/gpt', 'groq/gpt', 'cerebras/gpt']);
  });

  it('priority: passes over a deployment at its limit; random: names none, the order being drawn per request', async () => {
    const limited = [model('groq', 'gpt', { priority: 1, limits: { requestsPerMinute: 1, requestsPerDay: 100, tokensPerMinute: 100_000, tokensPerDay: 1_000_000 } }), model('cerebras', 'gpt', { priority: 2 })];
    const gw = await start({ models: limited, env: { ROTATION_STRATEGY: 'priority' } });
    expect((await nextPicks(gw)).gpt).toBe('groq/gpt');
    expect(await answeredBy(gw, { ...hello, model: 'gpt' })).toBe('groq/gpt');
    expect((await nextPicks(gw)).gpt).toBe('cerebras/gpt');

    const random = await start({ models: catalog, env: { ROTATION_STRATEGY: 'random' } });
    expect((await nextPicks(random)).gpt).toBeNull();
  });
});

