// Client access keys (GATEWAY_API_KEYS) over real HTTP: who gets in, in which error shape, each
// key's own limits and models, /usage per key, and that no key or hash ever leaves the gateway.
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { generateAccessKey, hashAccessKey, type AccessKeyEntry } from '../../src/access/access-key.js';
import { createApp } from '../../src/app.factory.js';
import type { ClientUsageDto, UsageReportDto } from '../../src/usage/dto/usage-report.dto.js';
import { eventually, freshUsageWindows, gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, postChat, type Gateway, type GatewayOptions } from '../support/gateway-harness.js';

const directory = mkdtempSync(join(tmpdir(), 'access-keys-e2e-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let files = 0;
function keysFile(entries: unknown): string {
  const path = join(directory, `keys-${files++}.json`);
  writeFileSync(path, JSON.stringify(entries));
  return path;
}

const KEY = {
  a: generateAccessKey(),
  qwenOnly: generateAccessKey(),
  rpm: generateAccessKey(),
  tpd: generateAccessKey(),
};
const ENTRIES: AccessKeyEntry[] = [
  { name: 'team-a', sha256: hashAccessKey(KEY.a), admin: true },
  { name: 'qwen-only', sha256: hashAccessKey(KEY.qwenOnly), models: ['qwen-3.8-27b'] },
  { name: 'team-rpm', sha256: hashAccessKey(KEY.rpm), limits: { requestsPerMinute: 3 } },
  { name: 'team-tpd', sha256: hashAccessKey(KEY.tpd), limits: { tokensPerDay: 50 } },
];
const SECRETS = [...Object.values(KEY), ...ENTRIES.map((entry) => entry.sha256)];

// gpt-oss-120b served by Groq and Cerebras, qwen-3.8-27b by Cerebras alone.
const CATALOG = [
  model('groq', 'openai/gpt-oss-120b', { model: 'gpt-oss-120b' }),
  model('cerebras', 'gpt-oss-120b'),
  model('cerebras', 'qwen-3.8-27b'),
];

const startGateway = gatewayPerTest();

/** A gateway that needs the keys above; its windows start at the beginning of a minute. */
async function start(options: GatewayOptions = {}): Promise<Gateway> {
  const gateway = await startGateway({ models: CATALOG, ...options, env: { GATEWAY_API_KEYS: keysFile(ENTRIES), ...options.env } });
  freshUsageWindows(gateway);
  return gateway;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const messages = [{ role: 'user' as const, content: 'Say hello.' }];

function call(gateway: Gateway, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function postCompletion(gateway: Gateway, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(gateway, 'POST', '/v1/chat/completions', headers, body);
}

async function usageWith(gateway: Gateway, key: string): Promise<UsageReportDto> {
  const response = await call(gateway, 'GET', '/usage', bearer(key));
  expect(response.status).toBe(200);
  return (await response.json()) as UsageReportDto;
}

async function clientUsage(gateway: Gateway, name: string): Promise<ClientUsageDto> {
  const entry = (await usageWith(gateway, KEY.a)).clients.find((client) => client.name === name);
  if (!entry) throw new Error(`GET /usage has no client ${name}`);
  return entry;
}

function openai(gateway: Gateway, apiKey: string): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

/** Every route but the probes, with a request each would accept given a key. */
const GUARDED: Array<{ method: string; path: string; body?: unknown; openAiShape: boolean }> = [
  { method: 'GET', path: '/', openAiShape: false },
  { method: 'GET', path: '/models', openAiShape: false },
  { method: 'GET', path: '/usage', openAiShape: false },
  // A Prometheus scrape sends the key too (`authorization` in its scrape config).
  { method: 'GET', path: '/metrics', openAiShape: false },
  { method: 'POST', path: '/chat', body: { ...hello, stream: false }, openAiShape: false },
  { method: 'GET', path: '/v1/models', openAiShape: true },
  { method: 'POST', path: '/v1/chat/completions', body: { model: 'auto', messages }, openAiShape: true },
];

describe('without a valid access key', () => {
  it.each(GUARDED)('$method $path answers 401 unauthorized in its own error shape, with www-authenticate', async (route) => {
    const gateway = await start();
    const response = await call(gateway, route.method, route.path, {}, route.body);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const message = expect.stringContaining('"Authorization: Bearer <key>" or "x-api-key: <key>"');
    expect(await response.json()).toEqual(
      route.openAiShape
        ? { error: { message, type: 'invalid_request_error', code: 'unauthorized', param: null } }
        : { error: { code: 'unauthorized', message } },
    );
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it.each(GUARDED)('$method $path answers 401 invalid_api_key to a wrong key, as Bearer or x-api-key', async (route) => {
    const gateway = await start();
    const wrong = generateAccessKey();
    for (const headers of [bearer(wrong), { 'x-api-key': wrong }, bearer(KEY.a.slice(0, -1))]) {
      const response = await call(gateway, route.method, route.path, headers, route.body);
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        error: route.openAiShape
          ? { message: 'The access key is not valid for this gateway.', type: 'invalid_request_error', code: 'invalid_api_key', param: null }
          : { code: 'invalid_api_key', message: 'The access key is not valid for this gateway.' },
      });
      expect(text).not.toContain(wrong);
    }
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it('is refused on every operation the OpenAPI document lists, but the probes', async () => {
    const gateway = await start();
    // /docs-json is served by Fastify outside Nest's guards: it stays open, and lists every route.
    const document = (await (await call(gateway, 'GET', '/docs-json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ path, method })));
    expect(operations.length).toBeGreaterThanOrEqual(8);
    const answers: string[] = [];
    for (const { path, method } of operations.filter((operation) => !operation.path.startsWith('/health/'))) {
      const response = await call(gateway, method.toUpperCase(), path, {}, method === 'post' ? {} : undefined);
      answers.push(`${method} ${path} ${response.status}`);
      await response.body?.cancel();
    }
    expect(answers).toEqual(answers.map((answer) => answer.replace(/\d+$/, '401')));
  });

  it('still answers the probes /health/live and /health/ready', async () => {
    const gateway = await start();
    const live = await call(gateway, 'GET', '/health/live');
    const ready = await call(gateway, 'GET', '/health/ready');
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    expect(ready.status).toBe(200);
  });
});

describe('with a valid access key', () => {
  it('serves every route with the key as Authorization: Bearer, or as x-api-key', async () => {
    const gateway = await start();
    for (const headers of [bearer(KEY.a), { authorization: `bearer ${KEY.a}` }, { 'x-api-key': KEY.a }]) {
      for (const route of GUARDED) {
        const response = await call(gateway, route.method, route.path, headers, route.body);
        expect([route.path, response.status]).toEqual([route.path, 200]);
        await response.text();
      }
    }
    expect(gateway.sim.requests).toHaveLength(6);
  });

  it('works with the official openai SDK given apiKey; without a valid one the SDK throws AuthenticationError', async () => {
    const gateway = await start();
    const completion = await openai(gateway, KEY.a).chat.completions.create({ model: 'gpt-oss-120b', messages });
    expect(completion.choices[0].message.content).toBeTruthy();
    const stream = await openai(gateway, KEY.a).chat.completions.create({ model: 'auto', messages, stream: true });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBeTruthy();
    expect((await openai(gateway, KEY.a).models.list()).data.length).toBeGreaterThan(0);

    const refused = await openai(gateway, 'unused-by-the-gateway')
      .chat.completions.create({ model: 'auto', messages })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((refused as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect((refused as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    const listing = await openai(gateway, 'unused-by-the-gateway').models.list().catch((error: unknown) => error);
    expect(listing).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(gateway.sim.requests).toHaveLength(2);
  });
});

describe("a key's own limits", () => {
  it('admits exactly requestsPerMinute chat requests, across /chat and /v1, then 429 with Retry-After', async () => {
    const gateway = await start();
    // Other routes do not count against it.
    for (let i = 0; i < 4; i++) expect((await call(gateway, 'GET', '/models', bearer(KEY.rpm))).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await postChat(gateway, { ...hello, stream: false }, bearer(KEY.rpm))).status);
    statuses.push((await postCompletion(gateway, { model: 'auto', messages }, bearer(KEY.rpm))).status);
    expect(statuses).toEqual([200, 200, 200]);

    const refused = await postChat(gateway, hello, bearer(KEY.rpm));
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({
      error: { code: 'rate_limited', message: expect.stringContaining('requestsPerMinute limit (3)'), details: { limit: 'requestsPerMinute' } },
    });
    const openAiRefused = await postCompletion(gateway, { model: 'auto', messages }, bearer(KEY.rpm));
    expect(openAiRefused.status).toBe(429);
    expect(openAiRefused.headers.get('retry-after')).toBeTruthy();
    expect((await openAiRefused.json()).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });

    // Only the admitted requests reached a provider, and other keys are not limited by this one.
    expect(gateway.sim.requests).toHaveLength(3);
    expect((await postChat(gateway, { ...hello, stream: false }, bearer(KEY.a))).status).toBe(200);
    expect(await clientUsage(gateway, 'team-rpm')).toMatchObject({ requests: 3, rejected: 2, minute: { requests: 3, requestLimit: 3 } });
  });

  it('the openai SDK gets RateLimitError once the key is over its requestsPerMinute', async () => {
    const gateway = await start();
    const client = openai(gateway, KEY.rpm);
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'auto', messages });
    const refused = await client.chat.completions.create({ model: 'auto', messages }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('refuses with 429 once the tokens its requests used today reach tokensPerDay', async () => {
    const gateway = await start();
    gateway.sim.setDefaultBehaviour({ kind: 'ok', usage: { prompt_tokens: 30, completion_tokens: 25 } });
    const first = await postChat(gateway, { ...hello, stream: false }, bearer(KEY.tpd));
    expect(first.status).toBe(200);
    await first.text();
    // Booked when the request finishes.
    await eventually(async () => expect((await clientUsage(gateway, 'team-tpd')).day).toMatchObject({ tokens: 55, tokenLimit: 50 }));

    const refused = await postChat(gateway, hello, bearer(KEY.tpd));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(86_400);
    expect((await refused.json()).error).toMatchObject({ code: 'rate_limited', details: { limit: 'tokensPerDay' } });
    expect(gateway.sim.requests).toHaveLength(1);
    expect(await clientUsage(gateway, 'team-tpd')).toMatchObject({ requests: 1, promptTokens: 30, completionTokens: 25, rejected: 1 });
  });
});

describe("a key's allowed models", () => {
  it('answers 403 model_not_allowed for a model the key may not use, in both shapes', async () => {
    const gateway = await start();
    const chat = await postChat(gateway, { ...hello, model: 'gpt-oss-120b' }, bearer(KEY.qwenOnly));
    expect(chat.status).toBe(403);
    expect((await chat.json()).error).toMatchObject({ code: 'model_not_allowed', message: expect.stringContaining('qwen-3.8-27b') });
    const pinned = await postChat(gateway, { ...hello, model: 'cerebras/gpt-oss-120b' }, bearer(KEY.qwenOnly));
    expect(pinned.status).toBe(403);
    await pinned.text();
    const completion = await postCompletion(gateway, { model: 'gpt-oss-120b', messages }, bearer(KEY.qwenOnly));
    expect(completion.status).toBe(403);
    expect((await completion.json()).error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed' });
    const sdk = await openai(gateway, KEY.qwenOnly)
      .chat.completions.create({ model: 'gpt-oss-120b', messages })
      .catch((error: unknown) => error);
    expect(sdk).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it('serves the models it may use, by id or provider/id', async () => {
    const gateway = await start();
    for (const model of ['qwen-3.8-27b', 'cerebras/qwen-3.8-27b']) {
      const response = await postChat(gateway, { ...hello, model, stream: false }, bearer(KEY.qwenOnly));
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(gateway.sim.requestsFor('cerebras', 'qwen-3.8-27b')).toHaveLength(2);
  });

  it('restricts the rotation (no model, or auto on /v1) to the models the key may use', async () => {
    const gateway = await start();
    for (let i = 0; i < 4; i++) {
      await (await postChat(gateway, { ...hello, stream: false }, bearer(KEY.qwenOnly))).text();
      await (await postCompletion(gateway, { model: 'auto', messages }, bearer(KEY.qwenOnly))).text();
    }
    expect(gateway.sim.requests.map((request) => `${request.provider}/${request.model}`)).toEqual(Array(8).fill('cerebras/qwen-3.8-27b'));

    // A key without a list still rotates over every deployment.
    for (let i = 0; i < 6; i++) await (await postChat(gateway, { ...hello, stream: false }, bearer(KEY.a))).text();
    expect(new Set(gateway.sim.requests.slice(8).map((request) => `${request.provider}/${request.model}`)).size).toBe(3);
  });
});

describe("a key's model lists", () => {
  it('GET /models and GET /v1/models list only what the key may use; a key without a list sees every model', async () => {
    const gateway = await start();
    const models = async (key: string) =>
      (await (await call(gateway, 'GET', '/models', bearer(key))).json()) as { models: Array<{ key: string }>; groups: Array<{ model: string; deployments: string[] }> };
    const openAiModels = async (key: string) => ((await (await call(gateway, 'GET', '/v1/models', bearer(key))).json()) as { data: Array<{ id: string }> }).data.map((entry) => entry.id);

    const limited = await models(KEY.qwenOnly);
    expect(limited.models.map((entry) => entry.key)).toEqual(['cerebras/qwen-3.8-27b']);
    expect(limited.groups).toEqual([expect.objectContaining({ model: 'qwen-3.8-27b', deployments: ['cerebras/qwen-3.8-27b'] })]);
    expect(await openAiModels(KEY.qwenOnly)).toEqual(['qwen-3.8-27b', 'cerebras/qwen-3.8-27b']);

    const everything = await models(KEY.a);
    expect(everything.models.length).toBeGreaterThan(1);
    expect((await openAiModels(KEY.a)).length).toBeGreaterThan(2);
  });
});

describe('admin keys', () => {
  const ADMIN_ROUTES = GUARDED.filter((route) => route.path === '/usage' || route.path === '/metrics');

  it.each(ADMIN_ROUTES)('$method $path answers 403 admin_key_required to a valid key not marked admin', async (route) => {
    const gateway = await start();
    const response = await call(gateway, route.method, route.path, bearer(KEY.rpm));
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: { code: 'admin_key_required', message: expect.stringContaining('"admin": true') },
    });
    expect((await call(gateway, route.method, route.path, { 'x-api-key': KEY.a })).status).toBe(200);
  });

  it('leaves the other routes to every valid key', async () => {
    const gateway = await start();
    for (const route of GUARDED.filter((entry) => !ADMIN_ROUTES.includes(entry))) {
      expect((await call(gateway, route.method, route.path, bearer(KEY.rpm), route.body)).status).toBe(200);
    }
  });
});

describe('GET /usage per key', () => {
  it('lists every key by name in file order, with its requests, tokens, refusals, windows and limits', async () => {
    const gateway = await start();
    gateway.sim.setDefaultBehaviour({ kind: 'ok', usage: { prompt_tokens: 10, completion_tokens: 4 } });
    await (await postChat(gateway, { ...hello, stream: false }, bearer(KEY.a))).text();
    await (await postCompletion(gateway, { model: 'auto', messages }, { 'x-api-key': KEY.a })).text();
    await (await postChat(gateway, { ...hello, model: 'gpt-oss-120b' }, bearer(KEY.qwenOnly))).text();

    const report = await eventually(async () => {
      const usage = await usageWith(gateway, KEY.a);
      expect(usage.clients[0].completionTokens).toBe(8);
      return usage;
    });
    expect(report.clients.map((client) => client.name)).toEqual(['team-a', 'qwen-only', 'team-rpm', 'team-tpd']);
    const [teamA, qwenOnly, teamRpm, teamTpd] = report.clients;
    expect(teamA).toEqual({
      name: 'team-a',
      requests: 2,
      promptTokens: 20,
      completionTokens: 8,
      rejected: 0,
      minute: { start: expect.any(String), resetsAt: expect.any(String), requests: 2 },
      day: { start: expect.any(String), resetsAt: expect.any(String), tokens: 28 },
    });
    expect(Date.parse(teamA.day.start) % 86_400_000).toBe(0);
    expect(Date.parse(teamA.minute.resetsAt) - Date.parse(teamA.minute.start)).toBe(60_000);
    // Admitted by the key's limits, then refused by its model list: a request, no tokens.
    expect(qwenOnly).toMatchObject({ requests: 1, promptTokens: 0, rejected: 0 });
    expect(teamRpm.minute).toMatchObject({ requests: 0, requestLimit: 3 });
    expect(teamRpm.day).not.toHaveProperty('tokenLimit');
    expect(teamTpd.day).toMatchObject({ tokens: 0, tokenLimit: 50 });
    expect(teamTpd.minute).not.toHaveProperty('requestLimit');
  });

  it('is an empty list when the gateway is open (no GATEWAY_API_KEYS), which needs no key', async () => {
    const gateway = await startGateway({ models: CATALOG });
    expect((await postChat(gateway, { ...hello, stream: false })).status).toBe(200);
    const response = await call(gateway, 'GET', '/usage');
    expect(response.status).toBe(200);
    expect(((await response.json()) as UsageReportDto).clients).toEqual([]);
  });
});

describe('keys and hashes', () => {
  it('never appear in a response, nor in the log, whatever the route or outcome', async () => {
    const lines: string[] = [];
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const gateway = await start({ logDestination });
    const seen: string[] = [];
    const record = async (response: Response) => {
      seen.push(JSON.stringify([...response.headers]), await response.text());
    };
    for (const key of Object.values(KEY)) {
      for (const route of GUARDED) await record(await call(gateway, route.method, route.path, bearer(key), route.body));
      await record(await postChat(gateway, hello, { 'x-api-key': key }));
      await record(await postChat(gateway, { ...hello, model: 'gpt-oss-120b', stream: false }, bearer(key)));
      await record(await postCompletion(gateway, { model: 'auto', messages, stream: true }, bearer(key)));
    }
    await record(await call(gateway, 'GET', '/docs-json'));
    await record(await call(gateway, 'GET', '/usage', bearer(KEY.a)));
    await eventually(async () => expect(lines.join('')).toContain('team-tpd'));

    const everything = [...seen, ...lines].join('\n');
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/gwk_[\w-]{43}/);
  });
});

describe('start-up', () => {
  async function startUpError(env: Record<string, string>): Promise<Error> {
    let thrown: unknown;
    try {
      const { app } = await createApp({ env, logger: false });
      try {
        await app.init();
      } finally {
        await app.close();
      }
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    return thrown as Error;
  }

  it('stops on a keys file that is not valid, naming the variable, the entry and the field', async () => {
    const path = keysFile([{ name: 'team-a', sha256: 'not-a-hash' }]);
    const error = await startUpError({ GATEWAY_API_KEYS: path });
    expect(error.name).toBe('EnvironmentError');
    expect(error.message).toContain(`GATEWAY_API_KEYS=${path} is invalid`);
    expect(error.message).toContain('entry 0 (team-a).sha256');
  });

  it('stops on a key whose admin is not a boolean', async () => {
    const path = keysFile([{ name: 'ops', sha256: hashAccessKey(KEY.a), admin: 'yes' }]);
    const error = await startUpError({ GATEWAY_API_KEYS: path });
    expect(error.message).toContain('entry 0 (ops).admin');
  });

  it('stops on a file that does not exist', async () => {
    const error = await startUpError({ GATEWAY_API_KEYS: join(directory, 'missing.json') });
    expect(error.message).toContain('cannot read');
  });

  it('stops on a key allowing a model the catalog does not have', async () => {
    const path = keysFile([{ name: 'team-a', sha256: hashAccessKey(KEY.a), models: ['gpt-oss-12b'] }]);
    const error = await startUpError({ GATEWAY_API_KEYS: path });
    expect(error.message).toContain('key team-a: models has "gpt-oss-12b"');
  });

  it('warns once when GATEWAY_API_KEYS is unset that the gateway is open', async () => {
    const lines: string[] = [];
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    await startGateway({ models: CATALOG, logDestination });
    const warnings = lines.filter((line) => line.includes('GATEWAY_API_KEYS is unset'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 'warn', msg: expect.stringContaining('anyone who can reach it can spend the provider quota') });
  });
});
