import { ValidationPipe } from '@nestjs/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatRequestDto } from '../../chat/dto/chat-request.dto.js';
import { ChatCompletionRequestDto } from '../../openai/dto/chat-completion-request.dto.js';
import { NOT_COMPILED, validateCompiled } from './compiled-validation.js';

// The reference: Nest's ValidationPipe as the gateway configures it, class-transformer and
// class-validator doing all the work.
const libraryPipe = (strict: boolean) =>
  new ValidationPipe({ whitelist: true, transform: true, forbidNonWhitelisted: strict, exceptionFactory: () => new Error('invalid') });
const strictPipe = libraryPipe(true);
const lenientPipe = libraryPipe(false);

async function byLibraries(type: new () => object, body: unknown, strict: boolean): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    const value: unknown = await (strict ? strictPipe : lenientPipe).transform(structuredClone(body), { type: 'body', metatype: type });
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}

/** Where two values differ (value, key order, or prototype at any level, class instances included); null if nowhere. */
function firstDifference(actual: unknown, expected: unknown, path = 'body'): string | null {
  if (typeof expected !== 'object' || expected === null) return Object.is(actual, expected) ? null : `${path}: ${String(actual)} vs ${String(expected)}`;
  if (typeof actual !== 'object' || actual === null) return `${path} is not an object`;
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return `${path}: another prototype`;
  const keys = Object.keys(expected);
  if (Object.keys(actual).join() !== keys.join()) return `${path}: keys ${Object.keys(actual).join()} vs ${keys.join()}`;
  for (const key of keys) {
    const difference = firstDifference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
    if (difference) return difference;
  }
  return null;
}

const text = fc.string({ maxLength: 12 });
const odd = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -3, max: 300_000 }), fc.double({ noNaN: true }), text, fc.constant([]), fc.constant({}), fc.constant(['x']));
/** A field: usually a good value, sometimes anything. */
const field = <T>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 20 }, { arbitrary: odd, weight: 1 });
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
const rarely = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary, weight: 1 });
/** Null four times in five. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary, weight: 1 });
const unknownName = fc.constantFrom('extra', 'foo', 'logprob', 'x-custom');
const withoutUndefined = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));

const sampling = {
  temperature: optional(field(fc.double({ min: 0, max: 2, noNaN: true }))),
  top_p: optional(field(fc.double({ min: 0, max: 1, noNaN: true }))),
  max_tokens: optional(field(fc.integer({ min: 1, max: 131_072 }))),
  stop: optional(field(fc.oneof(fc.string({ minLength: 1, maxLength: 5 }), fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 5 })))),
};

/** /chat bodies, each with whether an unknown field was added somewhere. */
const chatBody = fc
  .record({
    known: fc.record({
      messages: field(fc.array(field(fc.record({ role: field(fc.constantFrom('system', 'user', 'assistant')), content: field(fc.string({ minLength: 1, maxLength: 20 })) })), { minLength: 1, maxLength: 4 })),
      model: optional(field(fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 30 }), weight: 9 }, { arbitrary: fc.string({ maxLength: 300 }), weight: 1 }))),
      stream: optional(field(fc.boolean())),
      include_reasoning: optional(field(fc.boolean())),
      ...sampling,
    }),
    unknown: sometimes(unknownName),
  })
  .map(({ known, unknown }) => ({ body: { ...withoutUndefined(known), ...(unknown ? { [unknown]: 1 } : {}) }, unknownAdded: unknown !== null }));

const toolCall = fc.record({
  id: field(fc.string({ maxLength: 10 })),
  type: field(fc.constant('function')),
  function: field(fc.record({ name: field(fc.string({ maxLength: 8 })), arguments: field(fc.constant('{}')) })),
});
const textParts = fc.array(fc.record({ type: fc.constant('text'), text: fc.string({ maxLength: 8 }) }), { maxLength: 2 });
const openAiMessage = fc
  .record({
    role: field(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool')),
    content: optional(field(fc.oneof(fc.string({ maxLength: 12 }), textParts, fc.constant(null)))),
    tool_calls: optional(fc.array(toolCall, { maxLength: 2 })),
    tool_call_id: optional(field(fc.string({ maxLength: 10 }))),
    name: optional(fc.string({ maxLength: 5 })),
    extra: fc.option(fc.constant(1), { nil: undefined, freq: 8 }),
  })
  .map(withoutUndefined);
const tool = fc.record({
  type: field(fc.constant('function')),
  function: field(
    fc
      .record({
        name: field(fc.constantFrom('get_weather', 'get_weather', 'lookup', 'lookup', 'lookup', 'bad name')),
        description: optional(field(fc.string({ maxLength: 8 }))),
        parameters: optional(field(fc.constant({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }))),
        strict: optional(field(fc.boolean())),
      })
      .map(withoutUndefined),
  ),
});

/** /v1 bodies, each with whether an unknown field (or one accepted and left out, like a message's `name`) was added somewhere. */
const openAiBody = fc
  .record({
    known: fc.record({
      model: field(fc.constantFrom('gpt-oss-120b', 'groq/llama-3.3-70b-versatile')),
      messages: fc.oneof(
        { arbitrary: fc.array(fc.record({ role: fc.constantFrom('system', 'developer', 'user'), content: fc.string({ minLength: 1, maxLength: 12 }) }), { minLength: 1, maxLength: 3 }), weight: 3 },
        { arbitrary: field(fc.array(openAiMessage, { minLength: 0, maxLength: 3 })), weight: 2 },
      ),
      stream: optional(field(fc.boolean())),
      stream_options: optional(field(fc.record({ include_usage: field(fc.boolean()) }))),
      max_completion_tokens: optional(field(fc.integer({ min: 1, max: 131_072 }))),
      seed: optional(field(fc.integer())),
      response_format: optional(field(fc.record({ type: field(fc.constantFrom('text', 'json_object', 'json_schema')), json_schema: optional(fc.constant({ name: 'x', schema: { type: 'object' } })) }).map(withoutUndefined))),
      tools: optional(field(fc.array(tool, { maxLength: 2 }))),
      tool_choice: rarely(field(fc.oneof(fc.constantFrom('none', 'auto', 'auto', 'required'), fc.constant({ type: 'function', function: { name: 'get_weather' } })))),
      parallel_tool_calls: optional(field(fc.boolean())),
      reasoning_effort: optional(field(fc.constantFrom('low', 'medium', 'high'))),
      reasoning_format: rarely(field(fc.constantFrom('parsed', 'raw', 'hidden'))),
      include_reasoning: rarely(field(fc.boolean())),
      frequency_penalty: optional(field(fc.double({ min: -2, max: 2, noNaN: true }))),
      n: optional(field(fc.constant(1))),
      logprobs: optional(field(fc.constant(false))),
      modalities: optional(field(fc.constant(['text']))),
      ...sampling,
    }),
    unknown: sometimes(fc.oneof(unknownName, fc.constantFrom('store', 'metadata', 'service_tier'))),
  })
  .map(({ known, unknown }) => {
    const body: Record<string, unknown> = { ...withoutUndefined(known), ...(unknown ? { [unknown]: true } : {}) };
    const nestedUnknown = Array.isArray(body.messages) && body.messages.some((message) => typeof message === 'object' && message !== null && ('extra' in message || 'name' in message));
    return { body, unknownAdded: unknown !== null || nestedUnknown };
  });

describe('validateCompiled', () => {
  it.each([
    ['/chat', ChatRequestDto, true, { messages: [{ role: 'user', content: 'Hi' }], model: 'gpt-oss-120b', stream: true, stop: 'END', temperature: 0.2 }],
    [
      '/v1',
      ChatCompletionRequestDto,
      false,
      {
        model: 'gpt-oss-120b',
        messages: [
          { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        ],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
        tool_choice: 'auto',
        stream: true,
        stream_options: { include_usage: true },
        response_format: { type: 'json_object' },
      },
    ],
  ] as const)('serves a typical %s body itself, equal to what the libraries return', async (_route, type, strict, body) => {
    const compiled = validateCompiled(type, structuredClone(body), strict);
    expect(compiled).not.toBe(NOT_COMPILED);
    const reference = await byLibraries(type, body, strict);
    expect(reference.ok).toBe(true);
    expect(firstDifference(compiled, (reference as { value: unknown }).value)).toBeNull();
    expect(compiled).toBeInstanceOf(type);
  });

  it('leaves unknown fields, failed rules and non-objects to the libraries', () => {
    const valid = { messages: [{ role: 'user', content: 'Hi' }] };
    expect(validateCompiled(ChatRequestDto, valid, true)).not.toBe(NOT_COMPILED);
    expect(validateCompiled(ChatRequestDto, { ...valid, extra: 1 }, true)).toBe(NOT_COMPILED);
    expect(validateCompiled(ChatRequestDto, { messages: [{ role: 'user', content: 'Hi', extra: 1 }] }, true)).toBe(NOT_COMPILED);
    expect(validateCompiled(ChatRequestDto, { messages: [{ role: 'robot', content: 'Hi' }] }, true)).toBe(NOT_COMPILED);
    expect(validateCompiled(ChatRequestDto, { ...valid, temperature: 3 }, true)).toBe(NOT_COMPILED);
    expect(validateCompiled(ChatRequestDto, [valid], true)).toBe(NOT_COMPILED);
    expect(validateCompiled(ChatCompletionRequestDto, { model: 'm', ...valid, store: true }, false)).toBe(NOT_COMPILED);
    expect(validateCompiled(ChatCompletionRequestDto, { model: 'm', ...valid, response_format: { type: 'json_schema', json_schema: { constructor: 1 } } }, false)).toBe(NOT_COMPILED);
  });

  it.each([
    ['/chat', ChatRequestDto, true, chatBody],
    ['/v1', ChatCompletionRequestDto, false, openAiBody],
  ] as const)(
    'accepts a %s body exactly when the libraries accept it without stripping anything, and returns what they return',
    async (_route, type, strict, bodies) => {
      let served = 0;
      await fc.assert(
        fc.asyncProperty(bodies, async ({ body, unknownAdded }) => {
          const compiled = validateCompiled(type, structuredClone(body), strict);
          const reference = await byLibraries(type, body, strict);
          const isServed = compiled !== NOT_COMPILED;
          served += isServed ? 1 : 0;
          // Served exactly when the libraries accept the body without leaving a field out...
          expect({ body, isServed }).toEqual({ body, isServed: reference.ok && !unknownAdded });
          // ...and then with what they return.
          expect(isServed && reference.ok ? firstDifference(compiled, reference.value) : null).toBeNull();
        }),
        { numRuns: 1_500 },
      );
      // The generators mostly make valid bodies: a fast path that served none would prove nothing.
      expect(served).toBeGreaterThan(300);
    },
    60_000,
  );
});
