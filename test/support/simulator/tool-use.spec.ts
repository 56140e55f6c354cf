// Tool calls, reasoning and the request checks that go with them, driven through the real SDKs:
// pins each provider's dialect, so the gateway's relay meets both and its error mapping meets
// the providers' own 400s.
import Cerebras from '@cerebras/cerebras_cloud_sdk';
import Groq from 'groq-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ProviderSimulator, type ProviderName, type ScriptedToolCall } from './provider-simulator.js';

const messages = [{ role: 'user' as const, content: 'Weather in Paris and Oslo?' }]; // 26 chars → 7 tokens

const sim = new ProviderSimulator();
let groq: Groq;
let cerebras: Cerebras;

beforeAll(async () => {
  await sim.start();
  groq = new Groq({ apiKey: 'test-key', baseURL: sim.groqBaseUrl, maxRetries: 0 });
  cerebras = new Cerebras({ apiKey: 'test-key', baseURL: sim.cerebrasBaseUrl, maxRetries: 0, warmTCPConnection: false });
});
afterEach(() => sim.reset());
afterAll(() => sim.stop());

const PARIS = { id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' };
const OSLO = { id: 'call_oslo', name: 'get_time', arguments: '{"city":"Oslo"}' };

/** The streamed chunks' parts both SDKs share (the SDKs type them differently). */
interface StreamedDelta {
  role?: string | null;
  content?: string | null;
  reasoning?: string | null;
  tool_calls?: Array<{
    index?: number | null;
    id?: string | null;
    type?: string | null;
    function?: { name?: string | null; arguments?: string | null } | null;
  }> | null;
}

interface Streamed {
  deltas: StreamedDelta[];
  finishReason: string | null | undefined;
  usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
}

/**
 * Streams a chat through the provider's own SDK and keeps every delta, the finish reason and
 * usage, in `out` (so a caller still has them when the stream fails).
 */
async function streamed(
  provider: ProviderName,
  body: Record<string, unknown> = {},
  out: Streamed = { deltas: [], finishReason: undefined, usage: undefined },
): Promise<Streamed> {
  const params = { model: 'm', messages, stream: true as const, ...body };
  if (provider === 'groq') {
    for await (const chunk of await groq.chat.completions.create(params)) {
      const choice = chunk.choices[0];
      if (choice && Object.keys(choice.delta).length > 0) out.deltas.push(choice.delta);
      out.finishReason = choice?.finish_reason ?? out.finishReason;
      out.usage = chunk.x_groq?.usage ?? out.usage;
    }
    return out;
  }
  for await (const chunk of await cerebras.chat.completions.create(params)) {
    if (!('object' in chunk) || chunk.object !== 'chat.completion.chunk') continue;
    const choice = chunk.choices?.[0];
    if (choice?.delta && Object.keys(choice.delta).length > 0) out.deltas.push(choice.delta);
    out.finishReason = choice?.finish_reason ?? out.finishReason;
    out.usage = chunk.usage ?? out.usage;
  }
  return out;
}

/** What a client's OpenAI-style accumulator makes of the deltas: calls by index, arguments appended. */
function reassemble(deltas: StreamedDelta[]): ScriptedToolCall[] {
  const calls: ScriptedToolCall[] = [];
  for (const delta of deltas) {
    for (const part of delta.tool_calls ?? []) {
      const call = (calls[part.index!] ??= { name: '', arguments: '' });
      if (part.id) call.id = part.id;
      if (part.function?.name) call.name = part.function.name;
      call.arguments += part.function?.arguments ?? '';
    }
  }
  return calls;
}

/** A non-streamed chat through the provider's own SDK: the first choice. */
async function completed(provider: ProviderName, body: Record<string, unknown> = {}) {
  const params = { model: 'm', messages, ...body };
  if (provider === 'groq') {
    const completion = await groq.chat.completions.create(params);
    return { choice: completion.choices[0]!, usage: completion.usage };
  }
  const completion = await cerebras.chat.completions.create(params);
  if (!('object' in completion) || completion.object !== 'chat.completion') throw new Error('not a completion');
  return { choice: completion.choices[0]!, usage: completion.usage };
}

/** Runs `fn` and returns what it threw. */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('tool calls, streamed', () => {
  it('Groq: content first, then each call whole in one delta; finish_reason tool_calls', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['Checking', '.'], toolCalls: [PARIS, OSLO] });

    const out = await streamed('groq');

    expect(out.deltas).toEqual([
      { role: 'assistant', content: 'Checking' },
      { content: '.' },
      { tool_calls: [{ index: 0, id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: PARIS.arguments } }] },
      { tool_calls: [{ index: 1, id: 'call_oslo', type: 'function', function: { name: 'get_time', arguments: OSLO.arguments } }] },
    ]);
    expect(reassemble(out.deltas)).toEqual([PARIS, OSLO]);
    expect(out.finishReason).toBe('tool_calls');
    // 2 content deltas + ceil(33 / 4) + ceil(15 / 4)
    expect(out.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2 + 9 + 4 });
  });

  it('Cerebras: a header delta with empty arguments, then the arguments in three fragments', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'ok', toolCalls: [PARIS, OSLO] });

    const out = await streamed('cerebras');

    expect(out.deltas).toEqual([
      { role: 'assistant', tool_calls: [{ index: 0, id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":"Pa' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'ris","unit"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ':"celsius"}' } }] },
      { tool_calls: [{ index: 1, id: 'call_oslo', type: 'function', function: { name: 'get_time', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"cit' } }] },
      { tool_calls: [{ index: 1, function: { arguments: 'y":"O' } }] },
      { tool_calls: [{ index: 1, function: { arguments: 'slo"}' } }] },
    ]);
    expect(reassemble(out.deltas)).toEqual([PARIS, OSLO]);
    expect(out.finishReason).toBe('tool_calls');
    expect(out.usage).toMatchObject({ completion_tokens: 9 + 4 });
  });

  it('argumentFragments overrides the split for either provider, never cutting a character', async () => {
    // 5 characters but 6 UTF-16 units: halving the units would cut the emoji's surrogate pair.
    const call = { id: 'call_1', name: 'f', arguments: '["🙂"]' };
    sim.setBehaviour('groq', 'm', { kind: 'ok', toolCalls: [call], argumentFragments: 2 });
    sim.setBehaviour('cerebras', 'm', { kind: 'ok', toolCalls: [call], argumentFragments: 1 });
    sim.setBehaviour('cerebras', 'short', { kind: 'ok', toolCalls: [{ ...call, arguments: '{}' }], argumentFragments: 5 });

    const groqDeltas = (await streamed('groq')).deltas;
    expect(groqDeltas.map((d) => d.tool_calls![0]!.function!.arguments)).toEqual(['["', '🙂"]']);
    expect(groqDeltas[1]).toEqual({ tool_calls: [{ index: 0, function: { arguments: '🙂"]' } }] });
    expect((await streamed('cerebras')).deltas.map((d) => d.tool_calls![0]!.function!.arguments)).toEqual(['', call.arguments]);
    const short = (await streamed('cerebras', { model: 'short' })).deltas;
    expect(short.map((d) => d.tool_calls![0]!.function!.arguments)).toEqual(['', '{', '}']);
  });

  it('a call without an id gets call_<24 hex digits>, a different one per call and per response', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'ok', toolCalls: [{ name: 'a', arguments: '{}' }, { name: 'b', arguments: '{}' }] });

    const first = reassemble((await streamed('groq')).deltas);
    const second = reassemble((await streamed('groq')).deltas);

    expect(first.map((c) => c.id)).toEqual([expect.stringMatching(/^call_[0-9a-f]{24}$/), expect.stringMatching(/^call_[0-9a-f]{24}$/)]);
    expect(new Set([...first, ...second].map((c) => c.id)).size).toBe(4);
  });

  it('finishReason still wins over the tool_calls default', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'ok', toolCalls: [PARIS], finishReason: 'length' });
    expect((await streamed('cerebras')).finishReason).toBe('length');
  });
});

describe('tool calls, not streamed', () => {
  it.each(['groq', 'cerebras'] as const)('%s: message.tool_calls complete, content null, finish_reason tool_calls', async (provider) => {
    sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [PARIS, OSLO] });

    const { choice, usage } = await completed(provider);

    expect(choice.message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: PARIS.arguments } },
        { id: 'call_oslo', type: 'function', function: { name: 'get_time', arguments: OSLO.arguments } },
      ],
    });
    expect(choice.finish_reason).toBe('tool_calls');
    expect(usage).toMatchObject({ completion_tokens: 13 });
  });

  it('content given with tool calls is kept', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['On it', '.'], toolCalls: [OSLO] });

    const { choice } = await completed('groq');

    expect(choice.message.content).toBe('On it.');
    expect(choice.message.tool_calls?.map((c) => c.id)).toEqual(['call_oslo']);
  });
});

describe('reasoning', () => {
  const reasoning = ['Paris ', 'is near.'];
  const SHOWN = { role: 'assistant', reasoning: 'Paris ' };

  it.each(['groq', 'cerebras'] as const)('%s: reasoning deltas come first, as delta.reasoning, and count as tokens', async (provider) => {
    sim.setBehaviour(provider, 'm', { kind: 'ok', reasoning, content: ['Sunny'] });

    const out = await streamed(provider);

    expect(out.deltas).toEqual([SHOWN, { reasoning: 'is near.' }, { content: 'Sunny' }]);
    expect(out.usage).toMatchObject({ completion_tokens: 3 });
  });

  it.each(['groq', 'cerebras'] as const)('%s: non-streamed, message.reasoning', async (provider) => {
    sim.setBehaviour(provider, 'm', { kind: 'ok', reasoning, content: ['Sunny'] });

    const { choice } = await completed(provider);

    expect(choice.message).toEqual({ role: 'assistant', content: 'Sunny', reasoning: 'Paris is near.' });
    expect(choice.finish_reason).toBe('stop');
  });

  it('reasoning comes before tool calls too', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'ok', reasoning: ['Need the weather.'], toolCalls: [OSLO] });

    const out = await streamed('groq');
    const { choice } = await completed('groq');

    expect(out.deltas.map((d) => Object.keys(d).filter((k) => k !== 'role'))).toEqual([['reasoning'], ['tool_calls']]);
    expect(choice.message).toMatchObject({ content: null, reasoning: 'Need the weather.' });
  });

  const HIDDEN = { deltas: [{ role: 'assistant', content: 'Sunny' }], message: { role: 'assistant', content: 'Sunny' } };
  const PARSED = {
    deltas: [SHOWN, { reasoning: 'is near.' }, { content: 'Sunny' }],
    message: { role: 'assistant', content: 'Sunny', reasoning: 'Paris is near.' },
  };
  const RAW = {
    deltas: [{ role: 'assistant', content: '<think>Paris ' }, { content: 'is near.</think>' }, { content: 'Sunny' }],
    message: { role: 'assistant', content: '<think>Paris is near.</think>Sunny' },
  };

  it.each([
    ['groq', { include_reasoning: false }, HIDDEN],
    ['groq', { reasoning_format: 'hidden' }, HIDDEN],
    ['groq', { reasoning_effort: 'none' }, HIDDEN],
    ['groq', { include_reasoning: true }, PARSED],
    ['groq', { reasoning_format: 'parsed' }, PARSED],
    ['groq', { reasoning_format: 'raw' }, RAW],
    ['cerebras', { reasoning_format: 'hidden' }, HIDDEN],
    ['cerebras', { disable_reasoning: true }, HIDDEN],
    ['cerebras', { reasoning_effort: 'none' }, HIDDEN],
    ['cerebras', { disable_reasoning: false, reasoning_effort: 'low' }, PARSED],
    ['cerebras', { reasoning_format: 'parsed' }, PARSED],
    ['cerebras', { reasoning_format: 'text_parsed' }, PARSED],
    ['cerebras', { reasoning_format: 'none' }, PARSED],
    ['cerebras', { reasoning_format: 'raw' }, RAW],
  ] as const)('%s with %j: streamed and not', async (provider, controls, expected) => {
    sim.setBehaviour(provider, 'm', { kind: 'ok', reasoning, content: ['Sunny'] });

    const out = await streamed(provider, controls);
    const { choice } = await completed(provider, controls);

    expect(out.deltas).toEqual(expected.deltas);
    expect(out.usage).toMatchObject({ completion_tokens: 3 }); // hidden reasoning was still generated
    expect(choice.message).toEqual(expected.message);
  });

  it('Groq: include_reasoning with reasoning_format is a 400, in Groq\'s nested error shape', async () => {
    const err = await thrown(() => streamed('groq', { include_reasoning: true, reasoning_format: 'parsed' }));

    expect(err).toBeInstanceOf(Groq.BadRequestError);
    expect((err as InstanceType<typeof Groq.BadRequestError>).error).toEqual({
      error: {
        message: '`include_reasoning` and `reasoning_format` are mutually exclusive',
        type: 'invalid_request_error',
        param: 'reasoning_format',
      },
    });
  });

  it('Groq: a reasoning_format it does not define is a 400', async () => {
    const err = await thrown(() => completed('groq', { reasoning_format: 'text_parsed' }));

    expect((err as InstanceType<typeof Groq.BadRequestError>).error).toEqual({
      error: {
        message: '`reasoning_format` must be one of `hidden`, `raw`, `parsed`',
        type: 'invalid_request_error',
        param: 'reasoning_format',
      },
    });
  });

  it('Cerebras: include_reasoning (even false) is a 400, in Cerebras\' flat error shape', async () => {
    const err = await thrown(() => streamed('cerebras', { include_reasoning: false }));

    expect(err).toBeInstanceOf(Cerebras.BadRequestError);
    expect((err as InstanceType<typeof Cerebras.BadRequestError>).error).toEqual({
      message: "include_reasoning: property 'include_reasoning' is unsupported",
      type: 'invalid_request_error',
      param: 'validation_error',
      code: 'wrong_api_format',
    });
  });

  it('a refused request is recorded, and leaves the scripted behaviours queued', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'ok', content: ['first'] }, { kind: 'ok', content: ['second'] });

    expect(await thrown(() => completed('cerebras', { reasoning_format: 'parsed', include_reasoning: true }))).toBeInstanceOf(
      Cerebras.BadRequestError,
    );
    expect((await completed('cerebras')).choice.message.content).toBe('first');
    expect(sim.requestsFor('cerebras').map((r) => r.body.include_reasoning)).toEqual([true, undefined]);
  });
});

describe('request checks the providers make (400 in each provider\'s shape)', () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object' } } }];
  const conversation = [
    { role: 'developer', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_paris', content: '18°C' },
  ];
  const valid = { messages: conversation, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } };

  /** `valid` with message `i` replaced by `change(message)`. */
  const withMessage = (i: number, change: (message: Record<string, unknown>) => unknown) => ({
    ...valid,
    messages: conversation.map((message, j) => (j === i ? change({ ...message }) : message)),
  });
  const withCall = (change: (call: Record<string, unknown>) => unknown) =>
    withMessage(2, (message) => ({ ...message, tool_calls: [change({ ...conversation[2]!.tool_calls![0]! })] }));
  const withFunction = (change: (fn: Record<string, unknown>) => unknown) =>
    withCall((call) => ({ ...call, function: change({ ...(call.function as object) }) }));
  const withTool = (change: (tool: Record<string, unknown>) => unknown) => ({ ...valid, tools: [change({ ...tools[0]! })] });
  const omit = (key: string) => (object: Record<string, unknown>) => {
    delete object[key];
    return object;
  };

  /** What the provider's SDK reports of the request's refusal. */
  async function refusal(provider: ProviderName, body: Record<string, unknown>, stream = false) {
    const err = await thrown(() => (stream ? streamed(provider, body) : completed(provider, body)));
    expect(err).toBeInstanceOf(provider === 'groq' ? Groq.BadRequestError : Cerebras.BadRequestError);
    return (err as { status: number; error: unknown }).error;
  }

  /** The body each provider refuses a request with. */
  const bodyOf = (provider: ProviderName, param: string, message: string) =>
    provider === 'groq'
      ? { error: { message, type: 'invalid_request_error', param } }
      : { message, type: 'invalid_request_error', param: 'validation_error', code: 'wrong_api_format' };

  it.each(['groq', 'cerebras'] as const)('%s answers a well-formed tool conversation (every role, a named tool choice)', async (provider) => {
    sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['18°C in Paris.'] });

    const { choice } = await completed(provider, valid);

    expect(choice.message.content).toBe('18°C in Paris.');
    expect(sim.requestsFor(provider)[0]!.body.tools).toEqual(tools);
  });

  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['a tool message without tool_call_id', withMessage(3, omit('tool_call_id')), 'messages.3.tool_call_id', "property 'tool_call_id' is missing"],
    ['a tool_call_id that is not a string', withMessage(3, (m) => ({ ...m, tool_call_id: 7 })), 'messages.3.tool_call_id', 'value must be a string'],
    [
      'a tool_call_id no earlier call has',
      withMessage(3, (m) => ({ ...m, tool_call_id: 'call_rome' })),
      'messages.3.tool_call_id',
      "no earlier assistant message has a tool call with id 'call_rome'",
    ],
    [
      'a tool message before the call it answers',
      { ...valid, messages: [conversation[1], conversation[3], conversation[2]] },
      'messages.1.tool_call_id',
      "no earlier assistant message has a tool call with id 'call_paris'",
    ],
    ['an assistant tool call without id', withCall(omit('id')), 'messages.2.tool_calls.0.id', "property 'id' is missing"],
    ['an assistant tool call without type', withCall(omit('type')), 'messages.2.tool_calls.0.type', "property 'type' is missing"],
    ['an assistant tool call of another type', withCall((c) => ({ ...c, type: 'custom' })), 'messages.2.tool_calls.0.type', "value must be 'function'"],
    ['an assistant tool call without function', withCall(omit('function')), 'messages.2.tool_calls.0.function', "property 'function' is missing"],
    ['an assistant tool call without function.name', withFunction(omit('name')), 'messages.2.tool_calls.0.function.name', "property 'name' is missing"],
    [
      'an assistant tool call whose arguments are an object',
      withFunction((fn) => ({ ...fn, arguments: { city: 'Paris' } })),
      'messages.2.tool_calls.0.function.arguments',
      'value must be a string',
    ],
    ['an assistant tool call without arguments', withFunction(omit('arguments')), 'messages.2.tool_calls.0.function.arguments', "property 'arguments' is missing"],
    [
      'a tool_choice naming a function not in tools',
      { ...valid, tool_choice: { type: 'function', function: { name: 'get_time' } } },
      'tool_choice.function.name',
      "function 'get_time' is not among the request's tools",
    ],
    [
      'a named tool_choice without tools',
      { messages, tool_choice: { type: 'function', function: { name: 'get_weather' } } },
      'tool_choice.function.name',
      "function 'get_weather' is not among the request's tools",
    ],
    ['a tool of another type', withTool((t) => ({ ...t, type: 'retrieval' })), 'tools.0.type', "value must be 'function'"],
    ['a tool without function', withTool(omit('function')), 'tools.0.function', "property 'function' is missing"],
    ['a tool without a name', withTool((t) => ({ ...t, function: { parameters: {} } })), 'tools.0.function.name', "property 'name' is missing"],
    [
      'a tool whose parameters are not an object',
      withTool((t) => ({ ...t, function: { name: 'get_weather', parameters: '{}' } })),
      'tools.0.function.parameters',
      'value must be an object',
    ],
    ['tools that are not a list', { ...valid, tools: tools[0] }, 'tools', 'value must be an array'],
    [
      'an unknown role',
      { messages: [{ role: 'function', name: 'f', content: '{}' }] },
      'messages.0.role',
      "value \"function\" is not one of 'system', 'developer', 'user', 'assistant', 'tool'",
    ],
    ['a message without role', { messages: [{ content: 'hi' }] }, 'messages.0.role', "property 'role' is missing"],
  ];

  describe.each(['groq', 'cerebras'] as const)('%s', (provider) => {
    it.each(cases)('refuses %s', async (_, body, param, detail) => {
      expect(await refusal(provider, body)).toEqual(bodyOf(provider, param, `${param}: ${detail}`));
    });

    it('refuses a streamed request the same way, before any stream', async () => {
      expect(await refusal(provider, withCall(omit('id')), true)).toEqual(
        bodyOf(provider, 'messages.2.tool_calls.0.id', "messages.2.tool_calls.0.id: property 'id' is missing"),
      );
      expect(sim.streamStats()).toMatchObject({ started: 1, open: 0 });
    });
  });

  it.each([
    [{ logprobs: true }, 'logprobs', '`logprobs` is not supported'],
    [{ logit_bias: { '50256': -100 } }, 'logit_bias', '`logit_bias` is not supported'],
    [{ top_logprobs: 2 }, 'top_logprobs', '`top_logprobs` is not supported'],
    [{ n: 2 }, 'n', '`n` must be 1'],
    [{ messages: [...messages, { role: 'user', name: 'ann', content: 'hi' }] }, 'messages.1.name', "messages.1.name: property 'name' is unsupported"],
  ] as const)('Groq also refuses %j', async (body, param, message) => {
    expect(await refusal('groq', body)).toEqual(bodyOf('groq', param, message));
  });

  it('Groq takes n: 1; Cerebras takes messages[].name, which its API defines', async () => {
    expect((await completed('groq', { n: 1 })).choice.message.content).toBe('Hello from the simulator');
    const named = { messages: [{ role: 'user', name: 'ann', content: 'hi' }] };
    expect((await completed('cerebras', named)).choice.message.content).toBe('Hello from the simulator');
  });
});

describe('a stream that breaks after a tool-call delta', () => {
  const failing = async (provider: ProviderName) => {
    const out: Streamed = { deltas: [], finishReason: undefined, usage: undefined };
    const error = await thrown(() => streamed(provider, {}, out));
    return { error, deltas: out.deltas };
  };

  it('drop-mid-stream: Groq gets the content and the first call, then TypeError "terminated"', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'drop-mid-stream', afterChunks: 2, content: ['Checking'], toolCalls: [PARIS, OSLO] });

    const { error, deltas } = await failing('groq');

    expect(deltas).toEqual([
      { role: 'assistant', content: 'Checking' },
      { tool_calls: [{ index: 0, id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: PARIS.arguments } }] },
    ]);
    expect(error).toMatchObject({ name: 'TypeError', message: 'terminated' });
    expect(sim.requests[0]).toMatchObject({ aborted: false, completed: false });
  });

  it('drop-mid-stream: Cerebras sends reasoning, a call header and one fragment, then drops', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'drop-mid-stream', afterChunks: 3, reasoning: ['Hm.'], toolCalls: [PARIS] });
    const sent = [
      { role: 'assistant', reasoning: 'Hm.' },
      { tool_calls: [{ index: 0, id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":"Pa' } }] },
    ];

    // On the wire (what the gateway's own SSE parser reads): all three deltas, then the reset.
    const raw = await fetch(`${sim.cerebrasBaseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, stream: true }),
    });
    let text = '';
    const decoder = new TextDecoder();
    const rawError = await thrown(async () => {
      for await (const bytes of raw.body!) text += decoder.decode(bytes, { stream: true });
    });
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames.map((frame) => JSON.parse(frame.slice('data: '.length)).choices[0].delta)).toEqual(sent);
    expect(rawError).toMatchObject({ name: 'TypeError', message: 'terminated' });

    // The Cerebras SDK holds the last event back until more bytes come, so the drop swallows it.
    const { error, deltas } = await failing('cerebras');
    expect(deltas).toEqual(sent.slice(0, 2));
    expect(error).toMatchObject({ message: 'Premature close' });
  });

  it('error-frame: Groq throws APIError after the tool-call delta', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'error-frame', afterChunks: 1, toolCalls: [OSLO], message: 'model overloaded' });

    const { error, deltas } = await failing('groq');

    expect(reassemble(deltas)).toEqual([OSLO]);
    expect(error).toBeInstanceOf(Groq.APIError);
    expect(error).toMatchObject({ status: undefined, message: 'model overloaded' });
  });

  it('afterChunks at the answer\'s length: every delta arrives, the finish chunk does not', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'error-frame', afterChunks: 4, toolCalls: [PARIS] });

    const { error, deltas } = await failing('cerebras');

    expect(reassemble(deltas)).toEqual([PARIS]);
    expect(deltas).toHaveLength(4);
    expect(error).toBeInstanceOf(Cerebras.APIConnectionError);
  });

  it('malformed-chunk: a bad frame after the tool-call delta, then the rest of the answer', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'malformed-chunk', afterChunks: 1, toolCalls: [PARIS, OSLO] });

    const raw = await fetch(`${sim.groqBaseUrl}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, stream: true }),
    });
    const frames = (await raw.text()).split('\n\n').filter(Boolean);

    expect(frames[0]).toContain('"id":"call_paris"');
    expect(frames[1]).toBe('data: {not json');
    expect(frames[2]).toContain('"id":"call_oslo"');
    expect(frames.at(-2)).toContain('"finish_reason":"tool_calls"');
    expect(frames.at(-1)).toBe('data: [DONE]');
  });
});
