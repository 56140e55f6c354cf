import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTENT } from '../../support/simulator/provider-simulator.js';
import { eventually, gatewayPerTest, getModels, getUsage, usageOf } from '../../support/gateway-client.js';
import { model, type Gateway } from '../../support/gateway-harness.js';

const messages = [{ role: 'user' as const, content: 'Say hello.' }];

function client(gateway: Gateway): OpenAI {
  return new OpenAI({ apiKey: 'unused-by-the-gateway', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

async function thrown(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('the official openai SDK against /v1', () => {
  const start = gatewayPerTest();

  it('creates a non-streamed chat.completion with usage, naming the deployment in headers', async () => {
    const gateway = await start();
    gateway.sim.setBehaviour('cerebras', 'gpt-oss-120b', { kind: 'ok', usage: { prompt_tokens: 11, completion_tokens: 4 } });
    const { data, response } = await client(gateway)
      .chat.completions.create({ model: 'cerebras/gpt-oss-120b', messages })
      .withResponse();

    expect(data.object).toBe('chat.completion');
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.model).toBe('gpt-oss-120b');
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0].message).toMatchObject({ role: 'assistant', content: DEFAULT_CONTENT.join('') });
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage).toEqual({ prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 });
    expect(response.headers.get('x-gateway-model')).toBe('gpt-oss-120b');
    expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
    expect(response.headers.get('x-gateway-attempts')).toBe('1');
  });

  it('streams chat.completion.chunk frames that add up to the answer, ending with [DONE]', async () => {
    const gateway = await start();
    const stream = await client(gateway).chat.completions.create({ model: 'groq/openai/gpt-oss-20b', messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(DEFAULT_CONTENT.join(''));
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    // Usage is always asked for upstream, whatever the client asked.
    expect(gateway.sim.requestsFor('groq', 'openai/gpt-oss-20b')[0].body.stream_options).toEqual({ include_usage: true });
  });

  it('sends usage in a last chunk when the client asks with stream_options.include_usage', async () => {
    const gateway = await start();
    gateway.sim.setBehaviour('groq', 'openai/gpt-oss-20b', { kind: 'ok', usage: { prompt_tokens: 9, completion_tokens: 4 } });
    const stream = await client(gateway).chat.completions.create({
      model: 'openai/gpt-oss-20b',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
  });

  it('sees a 429 as RateLimitError with Retry-After when every deployment is limited', async () => {
    const gateway = await start();
    gateway.sim.setBehaviour('groq', 'openai/gpt-oss-120b', { kind: 'error', status: 429, headers: { 'retry-after': '20' } });
    gateway.sim.setBehaviour('cerebras', 'gpt-oss-120b', { kind: 'error', status: 429, headers: { 'retry-after': '7' } });
    const error = await thrown(() => client(gateway).chat.completions.create({ model: 'gpt-oss-120b', messages }));

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimited.status).toBe(429);
    expect(rateLimited.headers.get('retry-after')).toBe('7');
    expect(rateLimited.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited', param: null });
  });

  it('sees an unknown model as NotFoundError with an OpenAI error body', async () => {
    const gateway = await start();
    const error = await thrown(() => client(gateway).chat.completions.create({ model: 'gpt-5', messages }));

    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
      message: expect.stringContaining('gpt-5'),
      type: 'invalid_request_error',
      code: 'model_not_found',
      param: null,
    });
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it('an abort from the client reaches the provider as an aborted request, counted as cancelled', async () => {
    const gateway = await start();
    gateway.sim.setBehaviour('cerebras', 'gpt-oss-120b', { kind: 'ok', content: ['a', 'b', 'c', 'd'], interChunkDelayMs: 200 });
    const controller = new AbortController();
    const stream = await client(gateway).chat.completions.create(
      { model: 'cerebras/gpt-oss-120b', messages, stream: true },
      { signal: controller.signal },
    );
    let received = '';
    // Like the providers' SDKs, the openai SDK ends the iteration quietly on abort.
    for await (const chunk of stream) {
      received += chunk.choices[0]?.delta.content ?? '';
      controller.abort();
    }
    expect(received).toBe('a');

    await gateway.sim.waitFor(() => gateway.sim.requests[0]?.aborted === true);
    const usage = await eventually(async () => {
      const entry = await usageOf(gateway, 'cerebras/gpt-oss-120b');
      if (entry.totals.cancellations !== 1) throw new Error('not yet counted');
      return entry;
    });
    expect(usage.totals).toMatchObject({ completed: 0, inFlight: 0 });
  });

  it('lists models: each public model id once, then every deployment as provider/id', async () => {
    const gateway = await start();
    const page = await client(gateway).models.list();
    const ids = page.data.map((entry) => entry.id);

    expect(ids).toEqual([
      'gpt-oss-120b',
      'openai/gpt-oss-20b',
      'qwen/qwen3.8-27b',
      'qwen-3.8-27b',
      'groq/openai/gpt-oss-120b',
      'cerebras/gpt-oss-120b',
      'groq/openai/gpt-oss-20b',
      'groq/qwen/qwen3.8-27b',
      'cerebras/qwen-3.8-27b',
    ]);
    expect(page.data[0]).toMatchObject({ object: 'model', owned_by: 'groq,cerebras', created: expect.any(Number) });
    expect(page.data[4]).toMatchObject({ owned_by: 'groq' });
  });
});

describe('one model served by two providers', () => {
  const start = gatewayPerTest();

  it('fails over from one provider to the other for the same model id', async () => {
    const gateway = await start({ env: { ROTATION_STRATEGY: 'priority' } });
    gateway.sim.setBehaviour('groq', 'openai/gpt-oss-120b', { kind: 'error', status: 503 });
    const { data, response } = await client(gateway)
      .chat.completions.create({ model: 'gpt-oss-120b', messages })
      .withResponse();

    expect(data.model).toBe('gpt-oss-120b');
    expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
    expect(response.headers.get('x-gateway-attempts')).toBe('2');
    expect(gateway.sim.requestsFor('groq', 'openai/gpt-oss-120b')).toHaveLength(1);
    expect(gateway.sim.requestsFor('cerebras', 'gpt-oss-120b')).toHaveLength(1);
    // Each provider is asked for its own id of the model.
    expect(gateway.sim.requestsFor('groq')[0].body.model).toBe('openai/gpt-oss-120b');
  });

  it('rotates requests for the model across its deployments', async () => {
    const gateway = await start();
    const openai = client(gateway);
    const providers = [];
    for (let i = 0; i < 4; i++) {
      const { response } = await openai.chat.completions.create({ model: 'gpt-oss-120b', messages }).withResponse();
      providers.push(response.headers.get('x-gateway-provider'));
    }
    expect(providers).toEqual(['groq', 'cerebras', 'groq', 'cerebras']);
  });

  it('keeps limits and cooldowns per deployment: a limited one is skipped, the other serves', async () => {
    const gateway = await start({
      models: [
        model('groq', 'openai/gpt-oss-120b', {
          model: 'gpt-oss-120b',
          limits: { requestsPerMinute: 1, requestsPerDay: 100, tokensPerMinute: 100_000, tokensPerDay: 1_000_000 },
        }),
        model('cerebras', 'gpt-oss-120b'),
      ],
      env: { ROTATION_STRATEGY: 'priority' },
    });
    const openai = client(gateway);
    const served = [];
    for (let i = 0; i < 3; i++) {
      const { response } = await openai.chat.completions.create({ model: 'gpt-oss-120b', messages }).withResponse();
      served.push(response.headers.get('x-gateway-provider'));
    }
    expect(served[0]).toBe('groq');
    expect(served.slice(1)).toEqual(['cerebras', 'cerebras']);
    expect(gateway.sim.requestsFor('groq')).toHaveLength(1);
  });

  it('/models and /usage show the group and its deployments', async () => {
    const gateway = await start();
    await client(gateway).chat.completions.create({ model: 'gpt-oss-120b', messages });
    await client(gateway).chat.completions.create({ model: 'gpt-oss-120b', messages });

    const models = await getModels(gateway);
    expect(models.groups[0]).toEqual({
      model: 'gpt-oss-120b',
      deployments: ['groq/openai/gpt-oss-120b', 'cerebras/gpt-oss-120b'],
      available: true,
      // Round-robin over two, after two requests: Groq's turn again.
      nextPick: 'groq/openai/gpt-oss-120b',
    });
    expect(models.models.filter((view) => view.model === 'gpt-oss-120b').map((view) => view.key)).toEqual([
      'groq/openai/gpt-oss-120b',
      'cerebras/gpt-oss-120b',
    ]);
    const usage = await getUsage(gateway);
    const group = usage.groups.find((entry) => entry.model === 'gpt-oss-120b')!;
    expect(group.deployments).toEqual(['groq/openai/gpt-oss-120b', 'cerebras/gpt-oss-120b']);
    expect(group.totals).toMatchObject({ requests: 2, completed: 2 });
  });
});
