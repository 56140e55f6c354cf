// What /v1/responses does when things go wrong: failover before the first event, an upstream that
// breaks off mid-answer, the requests it refuses (in OpenAI's error shape), and a cached answer
// replayed as a Responses stream.
import OpenAI from 'openai';
import type { ResponseCreateParamsBase, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model, parseSse, type Gateway } from '../../support/gateway-harness.js';
import { client, collect } from './responses-client.js';

function postResponses(gateway: Gateway, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Two deployments of one model, tried in order: the first is `first`. */
function failoverCatalog(first: 'groq' | 'cerebras') {
  const second = first === 'groq' ? 'cerebras' : 'groq';
  return { models: [model(first, 'm', { model: 'x', priority: 1 }), model(second, 'm', { model: 'x', priority: 2 })], env: { ROTATION_STRATEGY: 'priority' } };
}

describe('failover before the first event', () => {
  const start = gatewayPerTest();

  it.each([429, 500])('the first deployment answers %i (not streamed): the second answers, the client sees one clean response object', async (status) => {
    const gateway = await start(failoverCatalog('groq'));
    gateway.sim.setBehaviour('groq', 'm', { kind: 'error', status });
    gateway.sim.setBehaviour('cerebras', 'm', { kind: 'ok', content: ['From', ' cerebras.'] });
    const { data, response } = await client(gateway).responses.create({ model: 'x', input: 'Hi' }).withResponse();
    expect(data.status).toBe('completed');
    expect(data.output_text).toBe('From cerebras.');
    expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
    expect(response.headers.get('x-gateway-attempts')).toBe('2');
    expect(gateway.sim.requestsFor('groq', 'm')).toHaveLength(1);
    expect(gateway.sim.requestsFor('cerebras', 'm')).toHaveLength(1);
  });

  it.each([429, 500])('the first deployment answers %i (streamed): the second answers, the client sees one clean stream', async (status) => {
    const gateway = await start(failoverCatalog('groq'));
    gateway.sim.setBehaviour('groq', 'm', { kind: 'error', status });
    gateway.sim.setBehaviour('cerebras', 'm', { kind: 'ok', content: ['From', ' cerebras.'] });
    const { data, response } = await client(gateway).responses.create({ model: 'x', input: 'Hi', stream: true }).withResponse();
    const events = await collect(data);
    expect(events.filter((event) => event.type === 'response.created')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('')).toBe('From cerebras.');
    expect(events.at(-1)?.type).toBe('response.completed');
    expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
    expect(response.headers.get('x-gateway-attempts')).toBe('2');
    expect(gateway.sim.requestsFor('groq', 'm')).toHaveLength(1);
  });

  it('every deployment rate limited: a RateLimitError in OpenAI\'s shape with Retry-After, no stream begun', async () => {
    const gateway = await start(failoverCatalog('groq'));
    gateway.sim.setBehaviour('groq', 'm', { kind: 'error', status: 429, headers: { 'retry-after': '20' } });
    gateway.sim.setBehaviour('cerebras', 'm', { kind: 'error', status: 429, headers: { 'retry-after': '7' } });
    const error = await client(gateway)
      .responses.create({ model: 'x', input: 'Hi', stream: true })
      .then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited', param: null });
  });
});

describe('an upstream that breaks off after the stream began', () => {
  const start = gatewayPerTest();

  it.each(['groq', 'cerebras'] as const)('%s drops mid-answer: the stream ends with response.failed carrying an error, never response.completed, and no other deployment is tried', async (provider) => {
    const gateway = await start(failoverCatalog(provider));
    gateway.sim.setBehaviour(provider, 'm', { kind: 'drop-mid-stream', afterChunks: 2, content: ['One', ' two', ' three'] });
    const events = await collect(await client(gateway).responses.create({ model: 'x', input: 'Count', stream: true }));
    const types = events.map((event) => event.type);
    expect(types).not.toContain('response.completed');
    expect(types).not.toContain('response.incomplete');
    expect(types.filter((type) => type === 'response.output_text.delta')).toHaveLength(2);
    const last = events.at(-1)!;
    expect(last).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', error: { code: 'server_error', message: expect.any(String) }, output: [{ type: 'message', status: 'incomplete', content: [{ text: 'One two' }] }] },
    });
    // The open item was closed (incomplete) before the failure, so the events still add up.
    expect(types.slice(-2)).toEqual(['response.output_item.done', 'response.failed']);
    const other = provider === 'groq' ? 'cerebras' : 'groq';
    expect(gateway.sim.requestsFor(other, 'm')).toHaveLength(0);
  });

  it('a function call cut mid-arguments ends with response.failed, its item incomplete', async () => {
    const gateway = await start({ models: [model('cerebras', 'm')] });
    gateway.sim.setBehaviour('cerebras', 'm', { kind: 'drop-mid-stream', afterChunks: 2, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }], argumentFragments: 3 });
    const response = await postResponses(gateway, { model: 'm', input: 'Weather?', stream: true, tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }] });
    const events = parseSse(await response.text()).map((frame) => frame.data as { type: string; response?: { output: Array<{ status: string; type: string }> } });
    expect(events.map((event) => event.type)).toContain('response.function_call_arguments.delta');
    expect(events.map((event) => event.type)).not.toContain('response.completed');
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { output: [{ type: 'function_call', status: 'incomplete' }] } });
  });
});

describe('requests /v1/responses refuses, in OpenAI\'s error shape, before any provider is called', () => {
  const start = gatewayPerTest();

  it.each([
    ['previous_response_id', { previous_response_id: 'resp_123' }, 'previous_response_id', /keeps no responses/],
    ['conversation', { conversation: 'conv_1' }, 'conversation', /keeps no responses/],
    ['background: true', { background: true }, 'background', /not supported/],
    ['a built-in tool', { tools: [{ type: 'web_search' }] }, 'tools.0.type', /web_search.*only function tools/],
    ['a tool_choice of a built-in tool', { tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'file_search' } }, 'tool_choice', /file_search/],
    ['a tool_choice naming no tool', { tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'function', name: 'g' } }, 'tool_choice', /naming one of tools/],
    ['an image part', { input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: 'https://example.com/a.png' }] }] }, 'input[0].content[1].type', /input_image.*images/],
    ['a file part', { input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] }, 'input[0].content[0].type', /input_file.*files/],
    ['an audio part', { input: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }] }, 'input[0].content[0].type', /input_audio.*audio/],
    ['an item of a built-in tool', { input: [{ type: 'web_search_call', id: 'ws_1', status: 'completed' }] }, 'input[0].type', /web_search_call/],
    ['a reference to a stored message', { input: [{ type: 'item_reference', id: 'msg_1' }, { role: 'user', content: 'Hi' }] }, 'input[0]', /store: false/],
    ['an empty input', { input: [] }, 'input', /non-empty/],
    ['a role that does not exist', { input: [{ role: 'tool', content: 'x' }] }, 'input[0].role', /role must be one of/],
    [
      'a function_call_output whose call is not in input',
      { input: [{ role: 'user', content: 'Hi' }, { type: 'function_call_output', call_id: 'call_1', output: '12 degrees' }] },
      'input[1].call_id',
      /function_call earlier in input/,
    ],
  ])('%s: 400 naming it', async (_name, fields, param, message) => {
    const gateway = await start({ models: [model('groq', 'm')] });
    const error = await client(gateway)
      .responses.create({ model: 'm', input: 'Hi', ...fields } as never)
      .then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const body = (error as InstanceType<typeof OpenAI.BadRequestError>).error as { type: string; code: string; param: string; message: string };
    expect(body).toMatchObject({ type: 'invalid_request_error', code: 'validation_failed', param });
    expect(body.message).toMatch(message);
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it('an unknown model: NotFoundError in OpenAI\'s shape', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    const error = await client(gateway)
      .responses.create({ model: 'gpt-5', input: 'Hi' })
      .then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' });
  });

  it('accepts and leaves out what changes nothing here (store, metadata, include, truncation, an unknown field), naming them in x-gateway-dropped-params; a reference to a reasoning item is ignored', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    const response = await postResponses(gateway, {
      model: 'm',
      input: [{ type: 'item_reference', id: 'rs_earlier' }, { role: 'user', content: 'Hi' }],
      store: true,
      metadata: { team: 'a' },
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
      service_tier: 'auto',
      text: { verbosity: 'low' },
      search_settings: { x: 1 },
    });
    expect(response.status).toBe(200);
    expect((await response.json()) as object).toMatchObject({ status: 'completed', store: false });
    expect(response.headers.get('x-gateway-dropped-params')?.split(', ').sort()).toEqual(['include', 'metadata', 'search_settings', 'service_tier', 'store', 'text.verbosity', 'truncation']);
    const [sent] = gateway.sim.requestsFor('groq', 'm');
    expect(sent!.body.messages).toEqual([{ role: 'user', content: 'Hi' }]);
    for (const field of ['store', 'metadata', 'include', 'truncation', 'search_settings']) expect(sent!.body).not.toHaveProperty(field);
  });
});

/**
 * Every parameter the `openai` package types for a Responses request, with its fate (docs/api.md):
 * a new one in the package fails the typecheck until it is given one here and in the docs.
 */
const FATES: Record<keyof ResponseCreateParamsBase, 'mapped' | 'left out' | 'refused'> = {
  model: 'mapped',
  input: 'mapped',
  instructions: 'mapped',
  tools: 'mapped',
  tool_choice: 'mapped',
  parallel_tool_calls: 'mapped',
  max_output_tokens: 'mapped',
  temperature: 'mapped',
  top_p: 'mapped',
  reasoning: 'mapped',
  text: 'mapped',
  stream: 'mapped',
  user: 'mapped',
  safety_identifier: 'mapped',
  prompt_cache_key: 'mapped',
  background: 'mapped',
  previous_response_id: 'refused',
  conversation: 'refused',
  prompt: 'refused',
  top_logprobs: 'refused',
  store: 'left out',
  metadata: 'left out',
  include: 'left out',
  truncation: 'left out',
  service_tier: 'left out',
  max_tool_calls: 'left out',
  stream_options: 'left out',
  prompt_cache_retention: 'left out',
  prompt_cache_options: 'left out',
  context_management: 'left out',
  moderation: 'left out',
  access_programs: 'left out',
  background_options: 'left out',
  image: 'left out',
};
const withFate = (fate: string) => Object.entries(FATES).filter(([, value]) => value === fate).map(([name]) => name);

describe('every Responses parameter the openai package types has its documented fate', () => {
  const start = gatewayPerTest();

  it('those left out are accepted, named in x-gateway-dropped-params and not sent on', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    const leftOut = withFate('left out');
    const response = await postResponses(gateway, { model: 'm', input: 'Hi', ...Object.fromEntries(leftOut.map((name) => [name, { any: 'value' }])) });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-dropped-params')?.split(', ').sort()).toEqual([...leftOut].sort());
    const [sent] = gateway.sim.requestsFor('groq', 'm');
    // The gateway asks every provider for stream_options of its own; the client's never travel.
    for (const name of leftOut) expect(sent!.body[name]).not.toEqual({ any: 'value' });
    expect(JSON.stringify(sent!.body)).not.toContain('"any"');
  });

  it.each(withFate('refused'))('%s is refused with a 400 naming it', async (name) => {
    const gateway = await start({ models: [model('groq', 'm')] });
    const response = await postResponses(gateway, { model: 'm', input: 'Hi', [name]: 'x' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe(name);
  });
});

describe('the response cache on /v1/responses (CACHE=memory)', () => {
  const start = gatewayPerTest();

  it('replays a cached answer as a Responses stream: the same events and text, no upstream call', async () => {
    const gateway = await start({ models: [model('groq', 'm')], env: { CACHE: 'memory' } });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', reasoning: ['Hmm.'], content: ['Cached', ' answer.'], usage: { prompt_tokens: 5, completion_tokens: 3 } });
    const read = async () => {
      const { data, response } = await client(gateway)
        .responses.create({ model: 'm', input: 'What is cached?', stream: true }, { headers: { 'x-gateway-cache': 'use' } })
        .withResponse();
      const events = await collect(data);
      return { cache: response.headers.get('x-gateway-cache'), events };
    };
    const first = await read();
    const second = await read();
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(gateway.sim.requests).toHaveLength(1);
    expect(second.events.map((event) => event.type)).toEqual(first.events.map((event) => event.type));
    const text = (events: ResponseStreamEvent[]) => events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('');
    expect(text(second.events)).toBe('Cached answer.');
    expect(second.events.at(-1)).toMatchObject({ type: 'response.completed', response: { usage: { input_tokens: 5, output_tokens: 3 }, output: [{ type: 'reasoning' }, { type: 'message' }] } });
    // A fresh response each time: its own id.
    expect((second.events[0] as { response: { id: string } }).response.id).not.toBe((first.events[0] as { response: { id: string } }).response.id);
  });
});
