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
    ['messages[].name', { messages: [{ role: 'user', content: 'hi', name: 'bob' }] }, 'messages.0.name'],
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools'],
    ['an image part', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 'messages.0.content'],
    ['a tool role', { messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.role'],
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

  it('names an unknown parameter as not supported', async () => {
    const gateway = await start();
    const body = await (await post(gateway, { model: 'auto', messages, frequency_penalty: 0.5 })).json();
    expect(body.error.message).toContain('frequency_penalty is not a supported parameter');
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
