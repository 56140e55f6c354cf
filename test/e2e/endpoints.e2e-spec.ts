import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { hello, model, postChat, startGateway, type Gateway } from '../support/gateway-harness.js';

const catalog = [
  model('groq', 'openai/gpt-oss-120b', { name: 'GPT-OSS 120B on Groq' }),
  model('cerebras', 'gpt-oss-120b', { name: 'GPT-OSS 120B on Cerebras', priority: 2 }),
  model('groq', 'openai/gpt-oss-20b', { enabled: false }),
];

async function getJson(gateway: Gateway, path: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${gateway.url}${path}`);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe('with both providers configured', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ models: catalog });
  });
  afterAll(() => gateway.close());

  it('GET / reports ok with the models that can serve', async () => {
    const { status, body } = await getJson(gateway, '/');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.message).toEqual(expect.any(String));
    expect(body.models).toEqual([
      { id: 'openai/gpt-oss-120b', provider: 'groq', name: 'GPT-OSS 120B on Groq' },
      { id: 'gpt-oss-120b', provider: 'cerebras', name: 'GPT-OSS 120B on Cerebras' },
    ]);
  });

  it('GET /models lists every deployment with availability, limits, provider limits and cooldown', async () => {
    const { status, body } = await getJson(gateway, '/models');
    expect(status).toBe(200);
    expect(body.strategy).toBe('round-robin');
    expect(body.autoFallback).toBe(true);
    expect(body.models).toHaveLength(3);
    const [groq, cerebras, disabled] = body.models;
    expect(groq).toMatchObject({
      id: 'openai/gpt-oss-120b',
      provider: 'groq',
      key: 'groq/openai/gpt-oss-120b',
      enabled: true,
      available: true,
      configuredLimits: catalog[0].limits,
      rateLimit: null,
      cooldownUntil: null,
    });
    expect(groq).not.toHaveProperty('reason');
    expect(cerebras).toMatchObject({ provider: 'cerebras', available: true });
    expect(disabled).toMatchObject({ enabled: false, available: false, reason: 'disabled in the model catalog' });
  });

  it('GET /models shows the limits the provider reported once a response was seen', async () => {
    const before = Date.now();
    expect((await postChat(gateway, { ...hello, model: 'groq/openai/gpt-oss-120b', stream: false })).status).toBe(200);
    const { body } = await getJson(gateway, '/models');
    const { rateLimit } = body.models[0];
    expect(Date.parse(rateLimit.observedAt)).toBeGreaterThanOrEqual(before - 5);
    // Groq's unsuffixed headers: requests per day, tokens per minute; resets as Go durations.
    const requests = rateLimit.windows.find((w: any) => w.resource === 'requests');
    const tokens = rateLimit.windows.find((w: any) => w.resource === 'tokens');
    expect(requests).toMatchObject({ window: 'day', limit: 1000 });
    expect(tokens).toMatchObject({ window: 'minute', limit: 8000 });
    expect(Date.parse(tokens.resetAt) - Date.parse(rateLimit.observedAt)).toBe(7660);
    expect(Date.parse(requests.resetAt) - Date.parse(rateLimit.observedAt)).toBe(179_560);
  });

  it('GET /usage reports windows next to the configured limits, totals and overall totals', async () => {
    const { status, body } = await getJson(gateway, '/usage');
    expect(status).toBe(200);
    expect(Date.parse(body.since)).not.toBeNaN();
    const groq = body.models.find((entry: any) => entry.key === 'groq/openai/gpt-oss-120b');
    expect(groq.windows.minute).toMatchObject({ requestLimit: 1000, tokenLimit: 1_000_000, reservedTokens: 0 });
    expect(groq.windows.hour).not.toHaveProperty('requestLimit');
    expect(groq.windows.day).toMatchObject({ requestLimit: 100_000, tokenLimit: 10_000_000 });
    expect(Date.parse(groq.windows.day.start) % 86_400_000).toBe(0);
    expect(groq.windows.minute.requests).toBeGreaterThanOrEqual(1);
    expect(groq.totals).toMatchObject({ completed: groq.windows.day.requests, failures: 0, inFlight: 0 });
    expect(body.totals.requests).toBe(
      body.models.reduce((sum: number, entry: any) => sum + entry.totals.requests, 0),
    );
  });

  it('health: live and ready answer 200 without calling any provider', async () => {
    const upstreamBefore = gateway.sim.requests.length;
    const live = await getJson(gateway, '/health/live');
    const ready = await getJson(gateway, '/health/ready');
    expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', details: { models: { status: 'up', servable: 2 } } });
    expect(gateway.sim.requests.length).toBe(upstreamBefore);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await fetch(`${gateway.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('swagger-ui');
  });

  it('/docs-json is a valid OpenAPI 3 document describing every endpoint', async () => {
    const { status, body } = await getJson(gateway, '/docs-json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    await SwaggerParser.validate(structuredClone(body));

    const operations = Object.entries(body.paths).flatMap(([path, methods]: [string, any]) =>
      Object.entries(methods).map(([method, operation]: [string, any]) => ({ path, method, operation })),
    );
    expect(operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort()).toEqual(
      [
        'GET /',
        'GET /health/live',
        'GET /health/ready',
        'GET /models',
        'GET /metrics',
        'GET /usage',
        'GET /dashboard/data',
        'POST /chat',
        'GET /v1/models',
      'GET /v1/models/{model}',
        'POST /v1/chat/completions',
        'POST /v1/responses',
      ].sort(),
    );
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);

    // Access keys: two schemes, either one for every operation but the probes, which need none.
    expect(Object.keys(body.components.securitySchemes).sort()).toEqual(['bearer', 'x-api-key']);
    expect(body.security).toEqual([{ bearer: [] }, { 'x-api-key': [] }]);
    for (const { path, operation } of operations) {
      const isProbe = path.startsWith('/health/');
      expect({ path, security: operation.security ?? 'global' }).toEqual({ path, security: isProbe ? [] : 'global' });
      expect({ path, documents401: '401' in operation.responses }).toEqual({ path, documents401: !isProbe });
    }
    expect(body.paths['/chat'].post.responses['403'].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorResponseDto');
    expect(body.paths['/v1/chat/completions'].post.responses['401'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/OpenAiErrorResponseDto',
    );

    const chat = body.paths['/chat'].post;
    expect(Object.keys(chat.responses['200'].content).sort()).toEqual(
      ['application/json', 'text/event-stream', 'text/plain'].sort(),
    );
    for (const status of ['400', '404', '429', '502', '503', '504']) {
      expect(chat.responses[status].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorResponseDto');
    }
    expect(chat.responses['429'].headers).toHaveProperty('Retry-After');
    const requestSchema = body.components.schemas.ChatRequestDto;
    expect(requestSchema.required).toEqual(['messages']);
    expect(Object.keys(requestSchema.properties).sort()).toEqual(
      ['include_reasoning', 'max_tokens', 'messages', 'model', 'stop', 'stream', 'temperature', 'top_p'].sort(),
    );
    expect(body.components.schemas.ChatMessageDto.properties.role.enum).toEqual(['system', 'user', 'assistant']);
    expect(body.components.schemas.ModelViewDto.properties).toHaveProperty('cooldownUntil');
    expect(body.components.schemas.UsageReportDto.properties).toHaveProperty('totals');
    const completions = body.paths['/v1/chat/completions'].post;
    expect(Object.keys(completions.responses['200'].content).sort()).toEqual(['application/json', 'text/event-stream']);
    expect(Object.keys(completions.responses['200'].headers).sort()).toEqual(
      ['x-gateway-attempts', 'x-gateway-cache', 'x-gateway-dropped-params', 'x-gateway-model', 'x-gateway-provider'],
    );
    for (const status of ['400', '404', '429', '502', '503', '504']) {
      expect(completions.responses[status].content['application/json'].schema.$ref).toBe(
        '#/components/schemas/OpenAiErrorResponseDto',
      );
    }
    expect(body.paths['/models'].get.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ModelsResponseDto',
    );
  });

  it('sends no CORS headers when ALLOWED_ORIGINS is unset', async () => {
    const response = await fetch(`${gateway.url}/models`, { headers: { origin: 'https://app.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('with only the Cerebras key', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ models: catalog, env: { GROQ_API_KEY: '' } });
  });
  afterAll(() => gateway.close());

  it('lists the Groq models as unavailable, naming the variable to set', async () => {
    const { body } = await getJson(gateway, '/models');
    expect(body.models[0]).toMatchObject({ provider: 'groq', available: false, reason: 'GROQ_API_KEY is not set' });
    expect(body.models[1]).toMatchObject({ provider: 'cerebras', available: true });
  });

  it('serves chat from the configured provider', async () => {
    const response = await postChat(gateway, { ...hello, model: 'gpt-oss-120b', stream: false });
    expect(response.status).toBe(200);
    expect((await response.json()).provider).toBe('cerebras');
  });
});

describe('with no provider key at all', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ env: { GROQ_API_KEY: '', CEREBRAS_API_KEY: '' } });
  });
  afterAll(() => gateway.close());

  it('still starts; GET / says no model can serve and names the variables', async () => {
    const { status, body } = await getJson(gateway, '/');
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.message).toContain('GROQ_API_KEY');
    expect(body.message).toContain('CEREBRAS_API_KEY');
    expect(body.models).toEqual([]);
  });

  it('readiness is 503 while liveness stays 200', async () => {
    expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
  });

  it('POST /chat answers 503 no_models_available naming the variables to set', async () => {
    const response = await postChat(gateway, hello);
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.error.code).toBe('no_models_available');
    expect(body.error.message).toContain('GROQ_API_KEY');
    expect(body.error.message).toContain('CEREBRAS_API_KEY');
  });

  it('lists the built-in catalog with its current model ids', async () => {
    const { body } = await getJson(gateway, '/models');
    expect(body.models.map((entry: any) => entry.key)).toEqual([
      'groq/openai/gpt-oss-120b',
      'cerebras/gpt-oss-120b',
      'groq/openai/gpt-oss-20b',
      'groq/qwen/qwen3.8-27b',
      'cerebras/qwen-3.8-27b',
    ]);
  });
});

describe('CORS', () => {
  it('allows exactly the configured origins (trimmed)', async () => {
    const gateway = await startGateway({ env: { ALLOWED_ORIGINS: ' https://a.example , https://b.example' } });
    try {
      const allowed = await fetch(`${gateway.url}/models`, { headers: { origin: 'https://b.example' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://b.example');
      const other = await fetch(`${gateway.url}/models`, { headers: { origin: 'https://c.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${gateway.url}/chat`, {
        method: 'OPTIONS',
        headers: { origin: 'https://a.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://a.example');
    } finally {
      await gateway.close();
    }
  });

  it('allows any origin with *, also on a streamed answer', async () => {
    const gateway = await startGateway({ env: { ALLOWED_ORIGINS: '*' } });
    try {
      const response = await postChat(gateway, hello, { origin: 'https://anywhere.example' });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      await response.text();
    } finally {
      await gateway.close();
    }
  });
});

describe('configuration errors stop start-up with a message naming the variable', () => {
  it.each([
    ['ROTATION_STRATEGY', 'fastest', /ROTATION_STRATEGY="fastest".*round-robin, random, least-used, priority/],
    ['PORT', 'eighty', /PORT="eighty"/],
    ['AUTO_FALLBACK', 'maybe', /AUTO_FALLBACK="maybe".*true, false/],
    ['GROQ_BASE_URL', 'not a url', /GROQ_BASE_URL="not a url".*URL/],
  ])('%s=%s', async (variable, value, message) => {
    await expect(createApp({ env: { [variable]: value }, logger: false })).rejects.toThrow(message);
  });

  it('a MODELS_FILE entry with a bad field names the entry and the field', async () => {
    const bad = [{ ...model('groq', 'x'), limits: { ...model('groq', 'x').limits, requestsPerMinute: 0 } }];
    await expect(startGateway({ models: bad })).rejects.toThrow(/entry 0 \(x\)\.limits\.requestsPerMinute/);
  });

  it('a MODELS_FILE entry naming an unknown provider is refused', async () => {
    await expect(startGateway({ models: [model('openrouter', 'x')] })).rejects.toThrow(/unknown providers.*openrouter/);
  });
});

describe('GET /models after an upstream 429', () => {
  it('shows the cooldown and the limits reported in the 429 response headers', async () => {
    const gateway = await startGateway({ models: [model('groq', 'openai/gpt-oss-120b'), model('cerebras', 'gpt-oss-120b')] });
    try {
      gateway.sim.setBehaviour('groq', 'openai/gpt-oss-120b', { kind: 'error', status: 429, headers: { 'retry-after': '42' } });
      gateway.sim.setRateLimitHeaders('groq', 'openai/gpt-oss-120b', { 'x-ratelimit-remaining-tokens': '0' });
      const before = Date.now();
      const response = await postChat(gateway, { ...hello, stream: false });
      expect((await response.json()).provider).toBe('cerebras');

      const { body } = await getJson(gateway, '/models');
      const groq = body.models[0];
      expect(groq.available).toBe(false);
      expect(groq.reason).toMatch(/^cooling down until /);
      const cooldown = Date.parse(groq.cooldownUntil) - before;
      expect(cooldown).toBeGreaterThanOrEqual(41_000);
      expect(cooldown).toBeLessThanOrEqual(43_000);
      expect(groq.rateLimit.windows).toContainEqual(
        expect.objectContaining({ resource: 'tokens', window: 'minute', remaining: 0 }),
      );
    } finally {
      await gateway.close();
    }
  });
});
