import createClient, { type Client } from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { components, paths } from '../support/client/openapi.js';
import { model, startGateway, type Gateway } from '../support/gateway-harness.js';

// test/support/client/openapi.d.ts is generated from the committed openapi.json by `npm run
// client:generate` (part of pretest and pretypecheck). `npm run typecheck` checks this file
// against it: a field renamed in a DTO (and in openapi.json) breaks the build here.
type Schemas = components['schemas'];

describe('a client generated from openapi.json (openapi-typescript + openapi-fetch)', () => {
  let gateway: Gateway;
  let client: Client<paths, 'application/json'>;
  beforeAll(async () => {
    gateway = await startGateway({ models: [model('groq', 'openai/gpt-oss-120b'), model('cerebras', 'gpt-oss-120b')] });
    client = createClient<paths, 'application/json'>({ baseUrl: gateway.url });
  });
  afterAll(() => gateway.close());

  it('GET /models answers with the typed ModelsResponseDto', async () => {
    const { data, error, response } = await client.GET('/models');
    expect(response.status).toBe(200);
    expect(error).toBeUndefined();
    if (!data) throw new Error('GET /models gave no data');
    expectTypeOf(data).toEqualTypeOf<Schemas['ModelsResponseDto']>();
    expect(data.models.map((entry) => entry.key)).toEqual(['groq/openai/gpt-oss-120b', 'cerebras/gpt-oss-120b']);
    expect(data.models[0].available).toBe(true);
    expect(data.models[0].configuredLimits.requestsPerMinute).toBe(1000);
    expect(data.models[0].rateLimit).toBeNull();
    expect(data.strategy).toBe('round-robin');
  });

  it('POST /chat with stream: false answers with the typed ChatCompletionResponseDto', async () => {
    const { data, error, response } = await client.POST('/chat', {
      body: { messages: [{ role: 'user', content: 'Say hello.' }], model: 'gpt-oss-120b', stream: false },
      headers: { Accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(error).toBeUndefined();
    if (!data) throw new Error('POST /chat gave no data');
    expectTypeOf(data).toEqualTypeOf<Schemas['ChatCompletionResponseDto']>();
    expect(data.content.length).toBeGreaterThan(0);
    expect(data.finishReason).toBe('stop');
    expect(data.usage.totalTokens).toBe(data.usage.promptTokens + data.usage.completionTokens);
    expect(data.usage.totalTokens).toBeGreaterThan(0);
    expect(data.attempts).toEqual([]);
  });

  it('GET /usage answers with the typed UsageReportDto, counting the chat above', async () => {
    const { data, error, response } = await client.GET('/usage');
    expect(response.status).toBe(200);
    expect(error).toBeUndefined();
    if (!data) throw new Error('GET /usage gave no data');
    expectTypeOf(data).toEqualTypeOf<Schemas['UsageReportDto']>();
    expect(data.totals.requests).toBe(1);
    expect(data.totals.completed).toBe(1);
    expect(data.models.reduce((sum, entry) => sum + entry.totals.requests, 0)).toBe(data.totals.requests);
    expect(Date.parse(data.since)).not.toBeNaN();
  });

  it('an unknown model comes back as the typed error body: 404 model_not_found', async () => {
    const { data, error, response } = await client.POST('/chat', {
      body: { messages: [{ role: 'user', content: 'Say hello.' }], model: 'no-such-model', stream: false },
      headers: { Accept: 'application/json' },
    });
    expect(response.status).toBe(404);
    expect(data).toBeUndefined();
    if (!error) throw new Error('POST /chat with an unknown model gave no error');
    expectTypeOf(error).toEqualTypeOf<Schemas['ErrorResponseDto']>();
    expect(error.error.code).toBe('model_not_found');
    expect(error.error.message).toContain('no-such-model');
  });
});
