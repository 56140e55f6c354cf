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

/** Streams a chat through the provider's own SDK and keeps every delta, the finish reason and usage. */
async function streamed(provider: ProviderName, body: Record<string, unknown> = {}): Promise<Streamed> {
  const params = { model: 'm', messages, stream: true as const, ...body };
  const out: Streamed = { deltas: [], finishReason: undefined, usage: undefined };
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
