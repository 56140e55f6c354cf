// Errors before the stream starts: one JSON shape, no upstream text, no API keys; and a gateway
// without any provider key.
import { describe, expect, it } from 'vitest';
import type { Behaviour, ProviderName } from '../support/simulator/provider-simulator.js';
import { gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, postChat, TEST_CEREBRAS_KEY, TEST_GROQ_KEY, type Gateway } from '../support/gateway-harness.js';

const start = gatewayPerTest();

const PROVIDERS: ProviderName[] = ['groq', 'cerebras'];
const ORG = 'org_01hsecretleak42';

/** An error body in the provider's own shape whose every text field names the organisation. */
function leakyError(provider: ProviderName, status: number): Behaviour {
  const error = {
    message: `Rate limit reached in organization ${ORG} for model m (project ${ORG})`,
    type: `tokens_${ORG}`,
    code: `rate_limit_exceeded_${ORG}`,
  };
  return { kind: 'error', status, body: provider === 'groq' ? { error } : error };
}

/** Reads the whole response (status, headers and body) as one string to search. */
async function everything(response: Response): Promise<string> {
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  return `${response.status}\n${headers}\n\n${await response.text()}`;
}

describe('the error shape', () => {
  it('answers every error before the stream starts as { error: { code, message } } with its status', async () => {
    const gw = await start({
      models: [
        model('groq', 'ok'),
        model('groq', 'broken'),
        model('cerebras', 'slow'),
        model('groq', 'limited', { limits: { requestsPerMinute: 1, requestsPerDay: 1, tokensPerMinute: 100_000, tokensPerDay: 100_000 } }),
      ],
      env: { UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '200' },
    });
    gw.sim.setBehaviour('groq', 'broken', { kind: 'error', status: 500 });
    gw.sim.setBehaviour('cerebras', 'slow', { kind: 'hang' });
    await (await postChat(gw, { ...hello, model: 'limited' })).text();

    const cases: Array<[object, number, string]> = [
      [{ messages: [] }, 400, 'validation_failed'],
      [{ ...hello, model: 'nope' }, 404, 'model_not_found'],
      [{ ...hello, model: 'limited' }, 429, 'rate_limited'],
      [{ ...hello, model: 'broken' }, 502, 'upstream_error'],
      [{ ...hello, model: 'slow' }, 504, 'upstream_timeout'],
    ];
    const answers = [];
    const expected = [];
    for (const [body, status, code] of cases) {
      for (const accept of ['text/event-stream', 'text/plain', 'application/json']) {
        const response = await postChat(gw, body, { accept });
        answers.push({ accept, status: response.status, type: response.headers.get('content-type'), body: await response.json() });
        expected.push({
          accept,
          status,
          type: expect.stringMatching(/^application\/json/),
          body: { error: expect.objectContaining({ code, message: expect.any(String) }) },
        });
      }
    }

    expect(answers).toEqual(expected);
  });
});

describe('upstream error text', () => {
  for (const provider of PROVIDERS) {
    for (const status of [400, 401, 429, 500]) {
      it(`never forwards the text of a ${provider} ${status} error body`, async () => {
        const gw = await start({ models: [model(provider, 'm')] });
        gw.sim.setBehaviour(provider, 'm', leakyError(provider, status));

        const response = await postChat(gw, hello);
        const text = await everything(response);

        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(text).toMatch(/"code":"\w+"/);
        expect(text).not.toContain(ORG);
        expect(text).not.toContain('organization');
      });
    }

    for (const status of [401, 404]) {
      it(`never shows the text of a ${provider} ${status} error body once the model is set aside (GET /models, later POST /chat)`, async () => {
        const gw = await start({ models: [model(provider, 'm'), model(provider, 'other')] });
        gw.sim.setBehaviour(provider, 'm', leakyError(provider, status));

        const first = await everything(await postChat(gw, { ...hello, model: 'm' }));
        const models = await everything(await fetch(`${gw.url}/models`));
        const later = await postChat(gw, { ...hello, model: 'm' });
        const laterText = await everything(later);

        expect(models).toContain('"available":false');
        expect(later.status).toBe(503);
        expect(gw.sim.requestsFor(provider, 'm')).toHaveLength(1);
        for (const text of [first, models, laterText]) expect(text).not.toContain(ORG);
      });
    }

    it(`never forwards the ${provider} error text in the attempts of a stream that fell back`, async () => {
      const gw = await start({
        models: [model(provider, 'first', { priority: 1 }), model(provider, 'second', { priority: 2 })],
        env: { ROTATION_STRATEGY: 'priority' },
      });
      gw.sim.setBehaviour(provider, 'first', leakyError(provider, 429));

      const response = await postChat(gw, hello);
      const text = await everything(response);

      expect(text).toContain('event: done');
      expect(text).not.toContain(ORG);
    });

    it(`never forwards the text of a ${provider} error frame mid-stream`, async () => {
      const gw = await start({ models: [model(provider, 'm')] });
      gw.sim.setBehaviour(provider, 'm', { kind: 'error-frame', afterChunks: 1, message: `Overloaded for ${ORG}` });

      const text = await everything(await postChat(gw, hello));

      expect(text).toContain('event: error');
      expect(text).not.toContain(ORG);
    });
  }
});

describe('API keys', () => {
  it('sends the keys upstream but never returns them, whatever the outcome', async () => {
    const gw = await start({
      models: [
        model('groq', 'ok'),
        model('cerebras', 'ok'),
        model('groq', 'unauthorised'),
        model('cerebras', 'unauthorised'),
        model('groq', 'broken'),
        model('cerebras', 'drops'),
      ],
      env: { AUTO_FALLBACK: 'false' },
    });
    gw.sim.setBehaviour('groq', 'unauthorised', { kind: 'error', status: 401 });
    gw.sim.setBehaviour('cerebras', 'unauthorised', { kind: 'error', status: 401 });
    gw.sim.setBehaviour('groq', 'broken', { kind: 'error', status: 500 });
    gw.sim.setBehaviour('cerebras', 'drops', { kind: 'drop-mid-stream', afterChunks: 1 });

    const texts: string[] = [];
    for (const key of ['groq/ok', 'cerebras/ok', 'groq/unauthorised', 'cerebras/unauthorised', 'groq/broken', 'cerebras/drops']) {
      texts.push(await everything(await postChat(gw, { ...hello, model: key })));
      texts.push(await everything(await postChat(gw, { ...hello, model: key, stream: false })));
    }
    for (const path of ['/', '/models', '/usage', '/health', '/docs-json']) {
      texts.push(await everything(await fetch(`${gw.url}${path}`)));
    }

    expect(gw.sim.requestsFor('groq')[0]!.headers.authorization).toBe(`Bearer ${TEST_GROQ_KEY}`);
    expect(gw.sim.requestsFor('cerebras')[0]!.headers.authorization).toBe(`Bearer ${TEST_CEREBRAS_KEY}`);
    for (const text of texts) {
      expect(text).not.toContain(TEST_GROQ_KEY);
      expect(text).not.toContain(TEST_CEREBRAS_KEY);
    }
  });
});

describe('without any provider key', () => {
  async function keyless(): Promise<Gateway> {
    // The built-in catalog, which has models on both providers.
    return start({ env: { GROQ_API_KEY: '', CEREBRAS_API_KEY: '' } });
  }

  it('still starts and reports itself degraded', async () => {
    const gw = await keyless();

    const response = await fetch(`${gw.url}/`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'degraded', models: [] });
  });

  it('answers POST /chat with 503 no_models_available naming GROQ_API_KEY and CEREBRAS_API_KEY', async () => {
    const gw = await keyless();

    for (const body of [hello, { ...hello, stream: false }, { ...hello, model: 'gpt-oss-120b' }]) {
      const response = await postChat(gw, body);
      const json = (await response.json()) as { error: { code: string; message: string } };

      expect(response.status).toBe(503);
      expect(json.error.code).toBe('no_models_available');
      expect(json.error.message).toContain('GROQ_API_KEY');
      expect(json.error.message).toContain('CEREBRAS_API_KEY');
    }
    expect(gw.sim.requests).toHaveLength(0);
  });

  it('still answers 404 model_not_found for a model that is not in the catalog', async () => {
    const gw = await keyless();

    const response = await postChat(gw, { ...hello, model: 'nope' });

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'model_not_found' } });
  });
});
