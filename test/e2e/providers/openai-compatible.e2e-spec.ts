// A provider declared in the catalog file (kind `openai-compatible`, the official openai SDK)
// against the simulator's generic OpenAI-dialect server: failover into it, a keyless local server,
// a keyed one with its own headers, OpenAI-style rate-limit headers, its own first-token timeout.
import { describe, expect, it } from 'vitest';
import { gatewayPerTest, getModels, modelView } from '../../support/gateway-client.js';
import { hello, localProvider, model, postChat } from '../../support/gateway-harness.js';
import { dataOf, readSse } from '../../support/sse-stream.js';

const start = gatewayPerTest();

/** `gpt-oss-20b` from Groq, Cerebras and a local server, in that priority. */
const threeProviders = [
  model('groq', 'openai/gpt-oss-20b', { model: 'gpt-oss-20b', priority: 1 }),
  model('cerebras', 'gpt-oss-20b', { priority: 2 }),
  model('local', 'gpt-oss-20b', { priority: 3 }),
];

describe('an openai-compatible provider declared in the catalog file', () => {
  it('fails over Groq → Cerebras → the local server, streaming its answer with the attempts before it', async () => {
    const gw = await start({ models: threeProviders, env: { ROTATION_STRATEGY: 'priority' } });
    gw.sim.setBehaviour('groq', 'openai/gpt-oss-20b', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    gw.sim.setBehaviour('cerebras', 'gpt-oss-20b', { kind: 'error', status: 503 });
    gw.sim.setBehaviour('local', 'gpt-oss-20b', { kind: 'ok', content: ['Local', ' answer'], usage: { prompt_tokens: 11, completion_tokens: 2 } });

    const events = await readSse(await postChat(gw, { ...hello, model: 'gpt-oss-20b' }));

    expect(dataOf(events, 'meta')[0]).toMatchObject({
      provider: 'local',
      model: 'gpt-oss-20b',
      attempts: [
        { provider: 'groq', model: 'openai/gpt-oss-20b', error: 'rate_limited' },
        { provider: 'cerebras', model: 'gpt-oss-20b', error: 'server_error' },
      ],
    });
    expect(dataOf<{ content: string }>(events, 'delta').map((delta) => delta.content).join('')).toBe('Local answer');
    expect(dataOf(events, 'done')[0]).toMatchObject({ usage: { promptTokens: 11, completionTokens: 2 } });
    const [sent] = gw.sim.requestsFor('local');
    // OpenAI's request: usage asked for the OpenAI way, nothing only Groq or Cerebras define (the simulator refuses those).
    expect(sent!.body).toMatchObject({ model: 'gpt-oss-20b', stream: true, stream_options: { include_usage: true } });
    // A local server without a key variable gets no Authorization header at all.
    expect(sent!.headers.authorization).toBeUndefined();
    const usage = (await (await fetch(`${gw.url}/usage`)).json()) as { models: Array<{ key: string; totals: { completed: number } }> };
    expect(usage.models.find((entry) => entry.key === 'local/gpt-oss-20b')?.totals.completed).toBe(1);
    // It sends no rate-limit headers: nothing reported, the catalog's limits alone apply.
    expect((await modelView(gw, 'local/gpt-oss-20b')).rateLimit).toBeNull();
  });

  it('answers through /v1 with the openai SDK dialect, JSON and stream', async () => {
    const gw = await start({ models: [model('local', 'gpt-oss-20b')] });
    const json = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-oss-20b', messages: hello.messages }),
    });
    expect(json.status).toBe(200);
    expect(json.headers.get('x-gateway-provider')).toBe('local');
    expect(await json.json()).toMatchObject({ choices: [{ message: { content: 'Hello from the simulator' }, finish_reason: 'stop' }] });

    const stream = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-oss-20b', messages: hello.messages, stream: true }),
    });
    const text = await stream.text();
    expect(text).toContain('"content":" simulator"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('sends the key from its variable, and its own headers; without the variable set its models cannot serve, saying why', async () => {
    const keyed = (sim: Parameters<typeof localProvider>[0]) => [localProvider(sim, { apiKeyVariable: 'LOCAL_API_KEY', headers: { 'HTTP-Referer': 'https://gateway.example' } })];
    const gw = await start({ models: [model('local', 'gpt-oss-20b')], providers: keyed, env: { LOCAL_API_KEY: 'sk-local-0123456789' } });
    expect((await postChat(gw, { ...hello, stream: false })).status).toBe(200);
    const [sent] = gw.sim.requestsFor('local');
    expect(sent!.headers.authorization).toBe('Bearer sk-local-0123456789');
    expect(sent!.headers['http-referer']).toBe('https://gateway.example');

    const unset = await start({ models: [model('local', 'gpt-oss-20b')], providers: keyed });
    expect(await modelView(unset, 'local/gpt-oss-20b')).toMatchObject({ available: false, reason: 'LOCAL_API_KEY is not set' });
    const refused = await postChat(unset, { ...hello, stream: false });
    expect(refused.status).toBe(503);
    expect(JSON.stringify(await refused.json())).toContain('Set LOCAL_API_KEY');
  });

  it("reads OpenAI's rate-limit headers (per minute), and skips the deployment its provider says is used up", async () => {
    const gw = await start({ models: threeProviders.slice(1).reverse().map((entry, index) => ({ ...entry, priority: index + 1 })), env: { ROTATION_STRATEGY: 'priority' } });
    gw.sim.setRateLimitHeaders('local', 'gpt-oss-20b', {
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '20s',
    });
    expect((await (await postChat(gw, { ...hello, stream: false })).json()) as object).toMatchObject({ provider: 'local' });
    expect((await modelView(gw, 'local/gpt-oss-20b')).rateLimit?.windows).toContainEqual(
      expect.objectContaining({ resource: 'requests', window: 'minute', limit: 60, remaining: 0 }),
    );
    expect((await (await postChat(gw, { ...hello, stream: false })).json()) as object).toMatchObject({ provider: 'cerebras' });
    expect(gw.sim.requestsFor('local')).toHaveLength(1);
  });

  it("gives up on it after its own first-token timeout, not the gateway's, and falls back", async () => {
    const gw = await start({
      models: [model('local', 'gpt-oss-20b', { model: 'm', priority: 1 }), model('cerebras', 'gpt-oss-20b', { model: 'm', priority: 2 })],
      providers: (sim) => [localProvider(sim, { firstTokenTimeoutMs: 200 })],
      env: { ROTATION_STRATEGY: 'priority', UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '5000' },
    });
    gw.sim.setBehaviour('local', 'gpt-oss-20b', { kind: 'ok', firstTokenDelayMs: 1_500 });
    const startedAt = performance.now();
    const body = (await (await postChat(gw, { ...hello, stream: false })).json()) as { provider: string; attempts: Array<{ error: string }> };
    expect(body).toMatchObject({ provider: 'cerebras', attempts: [{ provider: 'local', error: 'timeout' }] });
    expect(performance.now() - startedAt).toBeLessThan(1_400);
  });

  it('lists the declared provider with the built-in ones in GET /models', async () => {
    const gw = await start({ models: threeProviders });
    const { groups } = await getModels(gw);
    expect(groups).toEqual([expect.objectContaining({ model: 'gpt-oss-20b', deployments: ['groq/openai/gpt-oss-20b', 'cerebras/gpt-oss-20b', 'local/gpt-oss-20b'] })]);
  });
});
