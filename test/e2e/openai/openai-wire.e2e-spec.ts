import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model, type Gateway } from '../../support/gateway-harness.js';

const messages = [{ role: 'user', content: 'Say hello.' }];

function post(gateway: Gateway, body: unknown): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The `data:` payloads of an OpenAI-style stream, `[DONE]` kept as a string. */
function dataLines(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice(6))
    .map((payload) => (payload === '[DONE]' ? payload : JSON.parse(payload)));
}

describe('POST /v1/chat/completions on the wire', () => {
  const start = gatewayPerTest();

  it('ends a complete stream with data: [DONE]', async () => {
    const gateway = await start();
    const response = await post(gateway, { model: 'auto', messages, stream: true });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const lines = dataLines(await response.text());
    expect(lines.at(-1)).toBe('[DONE]');
  });

  it.each(['groq', 'cerebras'] as const)(
    'after the first chunk, a %s failure sends an error frame and no [DONE]; the SDK throws',
    async (provider) => {
      const gateway = await start({ models: [model(provider, 'm')] });
      gateway.sim.setBehaviour(provider, 'm', { kind: 'drop-mid-stream', afterChunks: 2 });
      const lines = dataLines(await (await post(gateway, { model: 'm', messages, stream: true })).text());
      expect(lines).not.toContain('[DONE]');
      expect(lines.at(-1)).toEqual({
        error: { message: expect.stringContaining('incomplete'), type: 'api_error', code: 'upstream_error', param: null },
      });

      const stream = await new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'again' }],
        stream: true,
      });
      let content = '';
      await expect(
        (async () => {
          for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
        })(),
      ).rejects.toBeInstanceOf(OpenAI.APIError);
      expect(content.length).toBeGreaterThan(0);
    },
  );

  it.each([
    ['logprobs: true', { logprobs: true }, 'logprobs'],
    ['n: 2', { n: 2 }, 'n'],
    ['logit_bias', { logit_bias: { '50256': -100 } }, 'logit_bias'],
    ['top_logprobs', { top_logprobs: 2 }, 'top_logprobs'],
    ['an image part', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 'messages.0.content'],
    ['the legacy function role', { messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages.0.role'],
    ['a tool message without tool_call_id', { messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.tool_call_id'],
    ['a tool message whose call no earlier assistant made', { messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'c9', content: 'x' }] }, 'messages.1.tool_call_id'],
    ['tool_call_id on a user message', { messages: [{ role: 'user', content: 'x', tool_call_id: 'c1' }] }, 'messages.0.tool_call_id'],
    ['tool_calls on a user message', { messages: [{ role: 'user', content: 'x', tool_calls: [] }] }, 'messages.0.tool_calls'],
    ['a tool call without arguments', { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f' } }] }] }, 'messages.0.tool_calls.0.function.arguments'],
    ['an empty user message', { messages: [{ role: 'user', content: '' }] }, 'messages.0.content'],
    ['a custom tool', { tools: [{ type: 'custom', custom: { name: 'f' } }] }, 'tools.0.type'],
    ['a function name with spaces', { tools: [{ type: 'function', function: { name: 'get weather' } }] }, 'tools.0.function.name'],
    ['tool_choice required without tools', { tool_choice: 'required' }, 'tool_choice'],
    ['tool_choice naming a function not in tools', { tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function', function: { name: 'g' } } }, 'tool_choice'],
    ['reasoning_effort: extreme', { reasoning_effort: 'extreme' }, 'reasoning_effort'],
    ['reasoning_format with include_reasoning', { reasoning_format: 'parsed', include_reasoning: true }, 'reasoning_format'],
    ['frequency_penalty: 3', { frequency_penalty: 3 }, 'frequency_penalty'],
    ['functions (deprecated)', { functions: [{ name: 'f' }] }, 'functions'],
    ['audio output', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'mp3' } }, 'audio'],
    ['web_search_options', { web_search_options: {} }, 'web_search_options'],
    ['no model', { model: undefined }, 'model'],
    ['max_completion_tokens: 0', { max_completion_tokens: 0 }, 'max_completion_tokens'],
    ['response_format type xml', { response_format: { type: 'xml' } }, 'response_format.type'],
  ])('rejects %s with a clear 400 in OpenAI shape, without calling a provider', async (_name, patch, param) => {
    const gateway = await start();
    const response = await post(gateway, { model: 'gpt-oss-120b', messages, ...patch });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'validation_failed', param });
    expect(body.error.message).toContain(param.split('.').at(-1));
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it('leaves out a field OpenAI does not define, and names it in x-gateway-dropped-params', async () => {
    const gateway = await start();
    const response = await post(gateway, {
      model: 'cerebras/gpt-oss-120b',
      messages: [{ role: 'user', content: 'hi', cache_control: { type: 'ephemeral' } }],
      search_settings: { include_domains: ['example.com'] },
      temprature: 0.5,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-dropped-params')?.split(', ').sort()).toEqual(['messages[].cache_control', 'search_settings', 'temprature']);
    const sent = gateway.sim.requestsFor('cerebras', 'gpt-oss-120b')[0].body;
    expect(sent).not.toHaveProperty('search_settings');
    expect(sent).not.toHaveProperty('temprature');
    expect(sent.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('accepts what OpenAI clients send by default, leaves out what changes nothing here, and says which', async () => {
    const gateway = await start();
    const response = await post(gateway, {
      model: 'groq/openai/gpt-oss-120b',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'hi', name: 'bob' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'again' },
      ],
      tools: [],
      frequency_penalty: 0,
      presence_penalty: 0,
      store: false,
      metadata: { run: '7' },
      service_tier: 'auto',
      modalities: ['text'],
      stream_options: null,
      temperature: null,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-dropped-params')?.split(', ').sort()).toEqual(
      ['frequency_penalty', 'messages[].name', 'metadata', 'modalities', 'presence_penalty', 'service_tier', 'store'].sort(),
    );
    const sent = gateway.sim.requestsFor('groq', 'openai/gpt-oss-120b')[0].body;
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'again' },
    ]);
    for (const field of ['tools', 'frequency_penalty', 'presence_penalty', 'store', 'metadata', 'service_tier']) expect(sent).not.toHaveProperty(field);
  });

  it('passes penalties and the prompt cache key to Cerebras, which takes them', async () => {
    const gateway = await start();
    const response = await post(gateway, { model: 'cerebras/gpt-oss-120b', messages, frequency_penalty: 0.3, presence_penalty: -0.2, prompt_cache_key: 'conv-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-dropped-params')).toBeNull();
    expect(gateway.sim.requestsFor('cerebras', 'gpt-oss-120b')[0].body).toMatchObject({ frequency_penalty: 0.3, presence_penalty: -0.2, prompt_cache_key: 'conv-1' });
  });

  it.each([
    ['groq', 'groq/openai/gpt-oss-120b', 'openai/gpt-oss-120b', { include_reasoning: false }, 'reasoning_format'],
    ['cerebras', 'cerebras/gpt-oss-120b', 'gpt-oss-120b', { reasoning_format: 'hidden' }, 'include_reasoning'],
  ] as const)('maps include_reasoning: false and reasoning_effort to what %s takes', async (provider, pinned, id, expected, absent) => {
    const gateway = await start();
    const response = await post(gateway, { model: pinned, messages, include_reasoning: false, reasoning_effort: 'minimal' });
    expect(response.status).toBe(200);
    const sent = gateway.sim.requestsFor(provider, id)[0].body;
    expect(sent).toMatchObject({ ...expected, reasoning_effort: 'low' });
    expect(sent).not.toHaveProperty(absent);
  });

  it('GET /v1/models/{id} answers a public id and provider/id (slashes as they are or encoded); 404 in OpenAI shape otherwise', async () => {
    const gateway = await start();
    const client = new OpenAI({ apiKey: 'x', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    expect(await client.models.retrieve('gpt-oss-120b')).toMatchObject({ id: 'gpt-oss-120b', object: 'model', owned_by: 'groq,cerebras' });
    expect(await client.models.retrieve('groq/openai/gpt-oss-120b')).toMatchObject({ id: 'groq/openai/gpt-oss-120b', owned_by: 'groq' });
    const raw = await fetch(`${gateway.url}/v1/models/cerebras/gpt-oss-120b`);
    expect(await raw.json()).toMatchObject({ id: 'cerebras/gpt-oss-120b', object: 'model' });
    const missing = await fetch(`${gateway.url}/v1/models/no-such-model`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' });
    await expect(client.models.retrieve('no-such-model')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('accepts n: 1 and logprobs: false, which clients often send', async () => {
    const gateway = await start();
    const response = await post(gateway, { model: 'gpt-oss-120b', messages, n: 1, logprobs: false });
    expect(response.status).toBe(200);
  });

  it('answers malformed JSON with 400 invalid_request_error', async () => {
    const gateway = await start();
    const response = await post(gateway, '{"model":');
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
  });

  it('passes seed, user, response_format, stop and max_completion_tokens to the provider; joins text parts', async () => {
    const gateway = await start();
    const response = await post(gateway, {
      model: 'cerebras/gpt-oss-120b',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Say ' }, { type: 'text', text: 'hello.' }] },
      ],
      seed: 42,
      user: 'user-7',
      response_format: { type: 'json_schema', json_schema: { name: 'greeting', schema: { type: 'object' } } },
      stop: 'END',
      max_completion_tokens: 33,
      max_tokens: 99,
      temperature: 0.2,
      top_p: 0.9,
    });
    expect(response.status).toBe(200);
    const sent = gateway.sim.requestsFor('cerebras', 'gpt-oss-120b')[0].body;
    expect(sent).toMatchObject({
      model: 'gpt-oss-120b',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello.' },
      ],
      seed: 42,
      user: 'user-7',
      response_format: { type: 'json_schema', json_schema: { name: 'greeting', schema: { type: 'object' } } },
      stop: ['END'],
      max_completion_tokens: 33,
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
    });
  });

  it('auto uses the rotation strategy over every model', async () => {
    const gateway = await start({ env: { ROTATION_STRATEGY: 'priority' } });
    const response = await post(gateway, { model: 'auto', messages });
    expect(response.headers.get('x-gateway-model')).toBe('openai/gpt-oss-120b');
    expect(response.headers.get('x-gateway-provider')).toBe('groq');
  });

  it('errors before the answer use OpenAI shape with the same statuses as /chat', async () => {
    const gateway = await start({ env: { GROQ_API_KEY: '', CEREBRAS_API_KEY: '' } });
    const response = await post(gateway, { model: 'auto', messages });
    expect(response.status).toBe(503);
    expect((await response.json()).error).toMatchObject({
      type: 'api_error',
      code: 'no_models_available',
      param: null,
      message: expect.stringContaining('GROQ_API_KEY'),
    });
  });
});

describe('GET /v1/models', () => {
  const start = gatewayPerTest();

  it('lists only what can serve: no Groq entries without its key', async () => {
    const gateway = await start({ env: { GROQ_API_KEY: '' } });
    const body = await (await fetch(`${gateway.url}/v1/models`)).json();
    expect(body.object).toBe('list');
    expect(body.data.map((entry: { id: string }) => entry.id)).toEqual([
      'gpt-oss-120b',
      'qwen-3.8-27b',
      'cerebras/gpt-oss-120b',
      'cerebras/qwen-3.8-27b',
    ]);
    expect(body.data[0].owned_by).toBe('cerebras');
  });
});
