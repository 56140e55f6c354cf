// Tool calling and reasoning through the gateway, against the simulator speaking each provider's
// dialect (Groq sends a call whole in one delta, Cerebras in fragments), read by the `openai` SDK.
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model, parseSse, type Gateway } from '../../support/gateway-harness.js';

const PROVIDERS = ['groq', 'cerebras'] as const;

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city now.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const timeTool: ChatCompletionTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

const calls = [
  { id: 'call_weather_1', name: 'get_weather', arguments: '{"city":"Oslo","unit":"celsius"}' },
  { id: 'call_time_2', name: 'get_time', arguments: '{}' },
];

function client(gateway: Gateway): OpenAI {
  return new OpenAI({ apiKey: 'unused', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

/** What the SDK's chunks add up to: the calls by index, the content, the reasoning, the finish reason. */
function accumulate(chunks: ChatCompletionChunk[]) {
  const toolCalls: Array<{ id: string; type: string; function: { name: string; arguments: string } }> = [];
  let content = '';
  let reasoning = '';
  let finishReason: string | null = null;
  for (const chunk of chunks) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta as ChatCompletionChunk.Choice.Delta & { reasoning?: string };
    content += delta.content ?? '';
    reasoning += delta.reasoning ?? '';
    for (const fragment of delta.tool_calls ?? []) {
      const call = (toolCalls[fragment.index] ??= { id: '', type: '', function: { name: '', arguments: '' } });
      call.id ||= fragment.id ?? '';
      call.type ||= fragment.type ?? '';
      call.function.name += fragment.function?.name ?? '';
      call.function.arguments += fragment.function?.arguments ?? '';
    }
    finishReason = choice.finish_reason ?? finishReason;
  }
  return { toolCalls, content, reasoning, finishReason };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('tool calling through /v1/chat/completions', () => {
  const start = gatewayPerTest();

  it.each([
    ['groq', 2],
    ['cerebras', 7],
  ] as const)('relays a streamed parallel tool call from %s (%i fragments): in order, with index, id and name, finish_reason tool_calls', async (provider, fragmentCount) => {
    const gateway = await start({ models: [model(provider, 'm')] });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: calls });
    const chunks = await collect(
      await client(gateway).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Weather and time in Oslo?' }], tools: [weatherTool, timeTool], stream: true }),
    );
    const result = accumulate(chunks);
    expect(result.toolCalls).toEqual(calls.map(({ id, name, arguments: args }) => ({ id, type: 'function', function: { name, arguments: args } })));
    expect(result.finishReason).toBe('tool_calls');
    expect(result.content).toBe('');
    // Each provider's fragmenting reaches the client as it was sent: whole calls from Groq; from
    // Cerebras a header per call, then its arguments in three pieces (`{}` in two).
    const fragments = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(fragments).toHaveLength(fragmentCount);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    // The tools were passed on as sent.
    expect(gateway.sim.requestsFor(provider, 'm')[0]?.body.tools).toEqual([weatherTool, timeTool]);
  });

  it.each(PROVIDERS)('answers a non-streamed tool call from %s as message.tool_calls with content null', async (provider) => {
    const gateway = await start({ models: [model(provider, 'm')] });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [calls[0]!] });
    const completion = await client(gateway).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: calls[0]!.arguments } }] },
    });
    expect(gateway.sim.requestsFor(provider, 'm')[0]?.body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
  });

  it.each([true, false])('runs an agent loop with the openai SDK (stream: %s): the model asks for a tool, the client answers it, the model replies', async (stream) => {
    const gateway = await start({ models: [model('groq', 'm', { model: 'agent' }), model('cerebras', 'm', { model: 'agent' })], env: { ROTATION_STRATEGY: 'round-robin' } });
    // Round-robin: the call one provider made is answered through the other.
    for (const provider of PROVIDERS) gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [calls[0]!] });
    const openai = client(gateway);
    const messages: ChatCompletionMessageParam[] = [
      { role: 'developer', content: 'Use the tools.' },
      { role: 'user', content: 'Weather in Oslo?' },
    ];
    const ask = async () => {
      if (!stream) return (await openai.chat.completions.create({ model: 'agent', messages, tools: [weatherTool], parallel_tool_calls: false })).choices[0]!;
      const result = accumulate(await collect(await openai.chat.completions.create({ model: 'agent', messages, tools: [weatherTool], parallel_tool_calls: false, stream: true })));
      return {
        finish_reason: result.finishReason,
        message: { role: 'assistant' as const, content: result.content || null, tool_calls: result.toolCalls.length ? result.toolCalls : undefined },
      };
    };
    const first = await ask();
    expect(first.finish_reason).toBe('tool_calls');
    const call = first.message.tool_calls![0]! as { id: string; function: { name: string; arguments: string } };
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Oslo', unit: 'celsius' });
    messages.push(first.message as ChatCompletionMessageParam, { role: 'tool', tool_call_id: call.id, content: '{"celsius":12}' });
    for (const provider of PROVIDERS) gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['It is ', '12 C in Oslo.'] });
    const second = await ask();
    expect(second.finish_reason).toBe('stop');
    expect(second.message.content).toBe('It is 12 C in Oslo.');
    // The second request reached a provider with the whole conversation in its wire shape.
    const [firstSent, secondSent] = gateway.sim.requests;
    expect(firstSent!.provider).not.toBe(secondSent!.provider);
    const sent = secondSent!.body;
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Use the tools.' },
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: calls[0]!.arguments } }] },
      { role: 'tool', content: '{"celsius":12}', tool_call_id: 'call_weather_1' },
    ]);
    expect(sent.parallel_tool_calls).toBe(false);
  });

  it.each(PROVIDERS)('does not fall back once a %s tool-call fragment was relayed: the stream ends with an error frame and no [DONE]', async (provider) => {
    const other = provider === 'groq' ? 'cerebras' : 'groq';
    const gateway = await start({ models: [model(provider, 'm', { model: 'x', priority: 1 }), model(other, 'm', { model: 'x', priority: 2 })], env: { ROTATION_STRATEGY: 'priority' } });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'drop-mid-stream', afterChunks: 1, toolCalls: [calls[0]!], argumentFragments: 3 });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool], stream: true }),
    });
    const frames = (await response.text()).split('\n\n').filter((frame) => frame.startsWith('data: ')).map((frame) => frame.slice(6));
    expect(frames).not.toContain('[DONE]');
    expect(frames.some((frame) => frame.includes('"tool_calls"'))).toBe(true);
    expect(JSON.parse(frames.at(-1)!)).toMatchObject({ error: { code: 'upstream_error' } });
    expect(gateway.sim.requestsFor(other, 'm')).toHaveLength(0);
  });

  it('counts tool definitions against token limits: a request whose tools do not fit is refused before any provider is called', async () => {
    const limits = { requestsPerMinute: 100, requestsPerDay: 1000, tokensPerMinute: 600, tokensPerDay: 100_000 };
    const gateway = await start({ models: [model('groq', 'm', { limits })] });
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather?' }];
    // Fits without the tools (a few tokens plus the 64-token completion cap)...
    await expect(client(gateway).chat.completions.create({ model: 'm', messages })).resolves.toBeDefined();
    // ...not with a tool whose definition alone is ~1,000 tokens.
    const big: ChatCompletionTool = { type: 'function', function: { name: 'lookup', description: 'd'.repeat(4_000), parameters: { type: 'object' } } };
    await expect(client(gateway).chat.completions.create({ model: 'm', messages, tools: [big] })).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(gateway.sim.requestsFor('groq', 'm')).toHaveLength(1);
  });
});

describe('reasoning through the gateway', () => {
  const start = gatewayPerTest();
  const reasoning = ['The user ', 'wants a greeting.'];

  it.each(PROVIDERS)('relays %s reasoning on /v1 as delta.reasoning before the content, and as message.reasoning when not streamed', async (provider) => {
    const gateway = await start({ models: [model(provider, 'm')] });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', reasoning, content: ['Hi!'] }, { kind: 'ok', reasoning, content: ['Hi!'] });
    const chunks = await collect(await client(gateway).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hello' }], stream: true }));
    expect(accumulate(chunks)).toMatchObject({ reasoning: 'The user wants a greeting.', content: 'Hi!' });
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', reasoning: 'The user ' });
    const completion = await client(gateway).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hello' }] });
    expect(completion.choices[0]?.message).toMatchObject({ content: 'Hi!', reasoning: 'The user wants a greeting.' });
  });

  it.each(PROVIDERS)('hides %s reasoning with include_reasoning: false, however the provider spells it', async (provider) => {
    const gateway = await start({ models: [model(provider, 'm')] });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', reasoning, content: ['Hi!'] });
    const completion = await client(gateway).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hello' }], include_reasoning: false } as never);
    expect(completion.choices[0]?.message.content).toBe('Hi!');
    expect(completion.choices[0]?.message).not.toHaveProperty('reasoning');
  });

  it('sends reasoning on /chat only when asked: reasoning events before the deltas with include_reasoning, none without', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', reasoning, content: ['Hi!'] }, { kind: 'ok', reasoning, content: ['Hi!'] }, { kind: 'ok', reasoning, content: ['Hi!'] });
    const chat = (body: object) =>
      fetch(`${gateway.url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Hello' }], ...body }) });
    const withReasoning = parseSse(await (await chat({ include_reasoning: true })).text());
    expect(withReasoning.map((event) => event.event)).toEqual(['meta', 'reasoning', 'reasoning', 'delta', 'done']);
    expect(withReasoning[1]?.data).toEqual({ text: 'The user ' });
    const plain = parseSse(await (await chat({})).text());
    expect(plain.map((event) => event.event)).toEqual(['meta', 'delta', 'done']);
    const json = await (await chat({ include_reasoning: true, stream: false })).json();
    expect(json).toMatchObject({ content: 'Hi!', reasoning: 'The user wants a greeting.' });
  });
});
