// The official `openai` SDK's Responses API (`responses.create`, `responses.stream`) against
// POST /v1/responses, which the gateway serves over its chat path (the simulator speaks each
// provider's chat-completions dialect behind it).
import type { FunctionTool, ResponseInputItem } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model, parseSse, type Gateway } from '../../support/gateway-harness.js';
import { client, collect } from './responses-client.js';

const PROVIDERS = ['groq', 'cerebras'] as const;

const weatherTool: FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city now.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};
const weatherCall = { id: 'call_w1', name: 'get_weather', arguments: '{"city":"Oslo"}' };

const sent = (gateway: Gateway, provider: 'groq' | 'cerebras') => gateway.sim.requestsFor(provider, 'm').map((request) => request.body);

describe('openai.responses.create against /v1/responses', () => {
  const start = gatewayPerTest();

  it.each(PROVIDERS)('answers a string input through %s with a completed response object: message output, usage, the deployment in headers', async (provider) => {
    const gateway = await start({ models: [model(provider, 'm', { model: 'pub' })] });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['Hello', ' there', '!'], usage: { prompt_tokens: 11, completion_tokens: 4 } });
    const { data, response } = await client(gateway)
      .responses.create({ model: 'pub', input: 'Say hello.', instructions: 'Be brief.', max_output_tokens: 50, temperature: 0.3, top_p: 0.9 })
      .withResponse();

    expect(data).toMatchObject({ object: 'response', status: 'completed', model: 'pub', incomplete_details: null, error: null, instructions: 'Be brief.', max_output_tokens: 50, store: false });
    expect(data.id).toMatch(/^resp_/);
    expect(data.created_at).toBeGreaterThan(1_700_000_000);
    expect(data.output).toEqual([
      { type: 'message', id: expect.stringMatching(/^msg_/), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello there!', annotations: [] }] },
    ]);
    // Computed by the SDK from `output`.
    expect(data.output_text).toBe('Hello there!');
    expect(data.usage).toEqual({ input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 });
    expect(response.headers.get('x-gateway-provider')).toBe(provider);
    expect(response.headers.get('x-gateway-model')).toBe('m');
    expect(response.headers.get('x-gateway-attempts')).toBe('1');
    // Translated onto the chat path: instructions first as a system message, the parameters mapped.
    const [body] = sent(gateway, provider);
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello.' },
    ]);
    expect(body).toMatchObject({ max_completion_tokens: 50, temperature: 0.3, top_p: 0.9 });
  });

  it('maps message items (developer, input_text parts, an earlier assistant turn as output_text) onto chat messages', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    await client(gateway).responses.create({
      model: 'm',
      input: [
        { role: 'developer', content: 'Answer in French.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello' }, { type: 'input_text', text: ' there' }] },
        { type: 'message', id: 'msg_earlier', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Bonjour', annotations: [] }] },
        { type: 'reasoning', id: 'rs_earlier', summary: [], content: [{ type: 'reasoning_text', text: 'thinking' }] },
        { role: 'user', content: 'And goodbye?' },
      ],
    });
    expect(sent(gateway, 'groq')[0].messages).toEqual([
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hello there' },
      { role: 'assistant', content: 'Bonjour' },
      { role: 'user', content: 'And goodbye?' },
    ]);
  });

  it('streams the documented event sequence: created, in_progress, the message item, its deltas, done events, completed with usage', async () => {
    const gateway = await start({ models: [model('cerebras', 'm')] });
    gateway.sim.setBehaviour('cerebras', 'm', { kind: 'ok', content: ['Hel', 'lo', '!'], usage: { prompt_tokens: 9, completion_tokens: 3 } });
    const events = await collect(await client(gateway).responses.create({ model: 'm', input: 'Say hello.', stream: true }));

    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const deltas = events.filter((event) => event.type === 'response.output_text.delta');
    expect(deltas.map((event) => event.delta)).toEqual(['Hel', 'lo', '!']);
    const [created, , added] = events;
    expect(created).toMatchObject({ type: 'response.created', response: { status: 'in_progress', output: [], usage: null } });
    expect(added).toMatchObject({ output_index: 0, item: { type: 'message', status: 'in_progress', content: [] } });
    expect(deltas.every((event) => event.item_id === (added as { item: { id: string } }).item.id && event.output_index === 0 && event.content_index === 0)).toBe(true);
    expect(events.at(-4)).toMatchObject({ type: 'response.output_text.done', text: 'Hello!' });
    expect(events.at(-1)).toMatchObject({
      type: 'response.completed',
      response: {
        id: (created as { response: { id: string } }).response.id,
        status: 'completed',
        output: [{ type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Hello!' }] }],
        usage: { input_tokens: 9, output_tokens: 3, total_tokens: 12 },
      },
    });
  });

  it('names each event in its SSE event line, the same as the type in its data', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    const response = await fetch(`${gateway.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'Hi', stream: true }) });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = parseSse(await response.text()).filter((frame) => frame.event !== 'comment');
    expect(frames.length).toBeGreaterThan(5);
    for (const frame of frames) expect((frame.data as { type: string }).type).toBe(frame.event);
  });

  it('is read by the SDK\'s responses.stream helper, whose final response holds the reasoning and the text', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', reasoning: ['The user ', 'says hi.'], content: ['Hi', '!'] });
    const stream = client(gateway).responses.stream({ model: 'm', input: 'Hello' });
    let text = '';
    stream.on('response.output_text.delta', (event) => (text += event.delta));
    const final = await stream.finalResponse();
    expect(text).toBe('Hi!');
    expect(final.output_text).toBe('Hi!');
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(final.output[0]).toMatchObject({ type: 'reasoning', id: expect.stringMatching(/^rs_/), content: [{ type: 'reasoning_text', text: 'The user says hi.' }], summary: [] });
  });
});

describe('reasoning in /v1/responses', () => {
  const start = gatewayPerTest();
  const reasoning = ['Think ', 'first.'];

  it.each(PROVIDERS)('puts %s reasoning in a reasoning item before the message, streamed as reasoning_text events', async (provider) => {
    const gateway = await start({ models: [model(provider, 'm')] });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', reasoning, content: ['Done.'] }, { kind: 'ok', reasoning, content: ['Done.'] });
    const whole = await client(gateway).responses.create({ model: 'm', input: 'Go', reasoning: { effort: 'high' } });
    expect(whole.output).toEqual([
      { type: 'reasoning', id: expect.stringMatching(/^rs_/), status: 'completed', summary: [], content: [{ type: 'reasoning_text', text: 'Think first.' }] },
      expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: 'Done.' })] }),
    ]);
    expect(sent(gateway, provider)[0].reasoning_effort).toBe('high');

    const events = await collect(await client(gateway).responses.create({ model: 'm', input: 'Go', stream: true }));
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]).toMatchObject({ output_index: 0, item: { type: 'reasoning', summary: [], content: [] } });
    expect(events[9]).toMatchObject({ output_index: 1, item: { type: 'message' } });
  });

  it('also sends the reasoning as the summary when the request asks for one (reasoning.summary)', async () => {
    const gateway = await start({ models: [model('cerebras', 'm')] });
    gateway.sim.setBehaviour('cerebras', 'm', { kind: 'ok', reasoning, content: ['Done.'] }, { kind: 'ok', reasoning, content: ['Done.'] });
    const whole = await client(gateway).responses.create({ model: 'm', input: 'Go', reasoning: { summary: 'auto' } });
    expect(whole.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Think first.' }], content: [{ type: 'reasoning_text', text: 'Think first.' }] });

    const events = await collect(await client(gateway).responses.create({ model: 'm', input: 'Go', stream: true, reasoning: { summary: 'detailed' } }));
    const summaryDeltas = events.filter((event) => event.type === 'response.reasoning_summary_text.delta');
    expect(summaryDeltas.map((event) => event.delta)).toEqual(reasoning);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['response.reasoning_summary_part.added', 'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done']));
  });
});

describe('function calling through /v1/responses', () => {
  const start = gatewayPerTest();

  it.each([false, true])('runs a tool round trip with the openai SDK (stream: %s): function_call out, function_call_output in, the answer', async (stream) => {
    const gateway = await start({ models: [model('groq', 'm', { model: 'agent' }), model('cerebras', 'm', { model: 'agent' })], env: { ROTATION_STRATEGY: 'round-robin' } });
    // Round-robin: the call one provider made is answered through the other.
    for (const provider of PROVIDERS) gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [weatherCall] });
    const openai = client(gateway);
    const input: ResponseInputItem[] = [{ role: 'user', content: 'Weather in Oslo?' }];
    const ask = async () => {
      if (!stream) return openai.responses.create({ model: 'agent', input, tools: [weatherTool], parallel_tool_calls: false });
      const events = await collect(await openai.responses.create({ model: 'agent', input, tools: [weatherTool], parallel_tool_calls: false, stream: true }));
      const last = events.at(-1)!;
      if (last.type !== 'response.completed') throw new Error(`the stream ended with ${last.type}`);
      return last.response;
    };

    const first = await ask();
    expect(first.output).toEqual([
      { type: 'function_call', id: expect.stringMatching(/^fc_/), call_id: 'call_w1', name: 'get_weather', arguments: '{"city":"Oslo"}', status: 'completed' },
    ]);
    const call = first.output[0]!;
    if (call.type !== 'function_call') throw new Error('expected a function call');
    input.push(call, { type: 'function_call_output', call_id: call.call_id, output: '{"celsius":12}' });
    for (const provider of PROVIDERS) gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['12 C', ' in Oslo.'] });
    const second = await ask();
    expect(second.output).toEqual([expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: '12 C in Oslo.' })] })]);

    const [firstSent, secondSent] = gateway.sim.requests;
    expect(firstSent!.provider).not.toBe(secondSent!.provider);
    expect(firstSent!.body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: weatherTool.description, parameters: weatherTool.parameters, strict: true } }]);
    expect(firstSent!.body.parallel_tool_calls).toBe(false);
    expect(secondSent!.body.messages).toEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', content: '{"celsius":12}', tool_call_id: 'call_w1' },
    ]);
  });

  it('streams a Cerebras call in fragments as one function_call item: added, argument deltas, arguments done, item done', async () => {
    const gateway = await start({ models: [model('cerebras', 'm')] });
    gateway.sim.setBehaviour('cerebras', 'm', { kind: 'ok', toolCalls: [weatherCall, { id: 'call_t2', name: 'get_time', arguments: '{}' }] });
    const events = await collect(
      await client(gateway).responses.create({ model: 'm', input: 'Weather and time?', tools: [weatherTool, { type: 'function', name: 'get_time', parameters: null, strict: false }], stream: true }),
    );
    const types = events.map((event) => event.type);
    expect(types.slice(0, 3)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    expect(types.at(-1)).toBe('response.completed');
    const argumentDeltas = events.filter((event) => event.type === 'response.function_call_arguments.delta' && event.output_index === 0);
    expect(argumentDeltas.length).toBeGreaterThan(1);
    expect(argumentDeltas.map((event) => (event as { delta: string }).delta).join('')).toBe('{"city":"Oslo"}');
    expect(events.filter((event) => event.type === 'response.function_call_arguments.done').map((event) => [event.output_index, event.arguments])).toEqual([
      [0, '{"city":"Oslo"}'],
      [1, '{}'],
    ]);
    const completed = events.at(-1) as { response: { output: unknown[] } };
    expect(completed.response.output).toEqual([
      expect.objectContaining({ type: 'function_call', call_id: 'call_w1', name: 'get_weather', arguments: '{"city":"Oslo"}', status: 'completed' }),
      expect.objectContaining({ type: 'function_call', call_id: 'call_t2', name: 'get_time', arguments: '{}', status: 'completed' }),
    ]);
  });

  it('maps tool_choice (a named function, allowed_tools) and text.format json_schema onto the chat request', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    const openai = client(gateway);
    const timeTool: FunctionTool = { type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} }, strict: false };
    await openai.responses.create({ model: 'm', input: 'Weather?', tools: [weatherTool, timeTool], tool_choice: { type: 'function', name: 'get_weather' } });
    await openai.responses.create({ model: 'm', input: 'Time?', tools: [weatherTool, timeTool], tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_time' }] } });
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    await openai.responses.create({ model: 'm', input: 'JSON please', text: { format: { type: 'json_schema', name: 'Answer', schema, strict: true } } });
    const [named, allowed, json] = sent(gateway, 'groq');
    expect(named.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(allowed.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['get_time']);
    expect(allowed.tool_choice).toBe('required');
    expect(json.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'Answer', schema, strict: true } });
  });
});

describe('an answer cut by max_output_tokens', () => {
  const start = gatewayPerTest();

  it('is status incomplete with incomplete_details, streamed or not, and streamed ends with response.incomplete', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    const cut = { kind: 'ok' as const, content: ['Once upon', ' a'], finishReason: 'length' };
    gateway.sim.setBehaviour('groq', 'm', cut, cut);
    const whole = await client(gateway).responses.create({ model: 'm', input: 'A story', max_output_tokens: 2 });
    expect(whole).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ type: 'message', status: 'incomplete' }] });
    expect(whole.output_text).toBe('Once upon a');

    const events = await collect(await client(gateway).responses.create({ model: 'm', input: 'A story', max_output_tokens: 2, stream: true }));
    expect(events.map((event) => event.type)).not.toContain('response.completed');
    expect(events.at(-1)).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } });
  });
});
