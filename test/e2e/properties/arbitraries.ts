// Generators of bad input: JSON values of every kind, strings no client should send, and chat
// requests that are valid except for the fields a generator breaks.
import fc from 'fast-check';

/** Any JSON value, shallow enough to keep runs fast. */
export const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Any code point, lone surrogate halves included (JSON.stringify escapes them as \udXXX). */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code));

/** Strings that are awkward somewhere: control characters, NUL, lone surrogates, bidi marks, emoji, very long. */
export const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: anyCodePoint, maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    'x\ud83d',
    '\u202eevil\u202c',
    '\u200f\u061c',
    '\ufeff',
    '\uffff',
    '👩‍👩‍👧‍👦',
    '🏳️‍🌈',
    'e\u0301\u0301\u0301',
    '\r\n\r\n',
    '</script>',
    '%s%n%x',
    '\\u0000',
    '"}',
    '../../../../etc/passwd',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'then',
  ),
  fc.integer({ min: 257, max: 30_000 }).map((length) => 'x'.repeat(length)),
);

/** A JSON value of a different type than a string. */
export const notAString = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }), fc.array(anyJson, { maxLength: 3 }));

const roles = ['system', 'user', 'assistant'];

/** A role the API refuses. */
export const badRole = fc.oneof(
  oddString.filter((role) => !roles.includes(role)),
  fc.constantFrom('tool', 'function', 'developer', 'USER', ' user', 'user\u0000'),
  notAString,
);

const goodContent = fc.string({ minLength: 1, maxLength: 40 });

/** Content that is not a non-empty string (the /chat rule). */
export const badChatContent = fc.oneof(fc.constant(''), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }), fc.array(anyJson, { maxLength: 3 }));

/** Content that is neither a non-empty string nor an array of text parts (the /v1 rule). */
export const badOpenAiContent = fc.oneof(
  fc.constant(''),
  fc.constant([]),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }),
  fc.array(fc.oneof(fc.record({ type: fc.constantFrom('image_url', 'input_audio', 'TEXT', ''), text: fc.string() }), fc.record({ type: fc.constant('text'), text: notAString.filter((value) => value !== null) }), anyJson.filter((value) => typeof value !== 'object' || value === null)), { minLength: 1, maxLength: 3 }),
);

/** A JSON number outside [min, max], or not a number at all. */
export function badNumber(min: number, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.double({ max: min, noNaN: true, noDefaultInfinity: true }).filter((value) => value < min),
    fc.double({ min: max, noNaN: true, noDefaultInfinity: true }).filter((value) => value > max),
    fc.constantFrom(-1e308, 1e308, Number.MAX_SAFE_INTEGER, -Number.MIN_VALUE, max + 1e-9),
    fc.string().map((text) => text || '0.5'),
    fc.boolean(),
    fc.array(fc.double({ min, max, noNaN: true }), { minLength: 1, maxLength: 2 }),
    fc.dictionary(fc.string(), anyJson, { maxKeys: 2 }),
  );
}

/** A token count the API refuses: below 1, above 131072, fractional, or not a number. */
export const badTokenCount = fc.oneof(
  fc.integer({ max: 0 }),
  fc.integer({ min: 131_073 }),
  fc.constantFrom(-0.5, 0.5, 1.5, 10.25, 2 ** 53, 1e21, 1e300, -1e300),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Number.isInteger(value) || value < 1 || value > 131_072),
  fc.string().map((text) => text || '10'),
  fc.boolean(),
  fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 2 }),
);

/** A stop value the API refuses: more than 4 entries, an empty or non-string entry, or not a string/array. */
export const badStop = fc.oneof(
  fc.array(fc.string({ minLength: 1 }), { minLength: 5, maxLength: 200 }),
  fc.constant(''),
  fc.array(fc.string(), { minLength: 1, maxLength: 4 }).map((stop) => [...stop, '']),
  fc.array(notAString.filter((value) => value !== null), { minLength: 1, maxLength: 4 }),
  fc.integer(),
  fc.boolean(),
  fc.dictionary(fc.string(), anyJson, { minKeys: 0, maxKeys: 3 }),
);

/** A model value the API refuses as malformed (an odd but well-formed string is a 404 instead). */
export const badModel = fc.oneof(
  fc.constant(''),
  fc.integer({ min: 257, max: 20_000 }).map((length) => 'm'.repeat(length)),
  notAString.filter((value) => value !== null),
);

/** Property names no DTO declares; `__proto__` and `constructor` are left to the JSON parser's own check. */
export function unknownField(known: readonly string[]): fc.Arbitrary<string> {
  return oddString.filter((name) => !known.includes(name) && name !== '__proto__' && name !== 'constructor' && name.length < 300);
}

export interface BadField {
  /** The top-level field the error must name (a message field is named under `messages`). */
  field: string;
  body: Record<string, unknown>;
}

type Patch = (body: Record<string, unknown>) => BadField;

function set(field: string, value: unknown): Patch {
  return (body) => ({ field, body: { ...body, [field]: value } });
}

/** Sets `key` in the last message. */
function messageField(key: string, value: unknown): Patch {
  return (body) => {
    const messages = body.messages as Array<Record<string, unknown>>;
    return { field: 'messages', body: { ...body, messages: messages.map((message, index) => (index === messages.length - 1 ? { ...message, [key]: value } : message)) } };
  };
}

const notAnArrayOfObjects = fc.oneof(
  fc.constant([]),
  oddString,
  fc.integer(),
  fc.boolean(),
  fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(anyJson, { maxLength: 2 })), { minLength: 1, maxLength: 3 }),
);

/**
 * Whether Fastify's JSON parser refuses the body (400 invalid_json) before any field is validated:
 * an object with a `__proto__` key, or with a `constructor` object that has a `prototype` key, at
 * any depth. fc.string() favours such names, so the JSON values put in a bad field can hold them.
 */
function refusedByJsonParser(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.hasOwn(value, '__proto__')) return true;
  const constructor: unknown = Object.hasOwn(value, 'constructor') ? (value as { constructor: unknown }).constructor : undefined;
  if (typeof constructor === 'object' && constructor !== null && Object.hasOwn(constructor, 'prototype')) return true;
  return Object.values(value).some(refusedByJsonParser);
}

/**
 * `base` (a valid /chat request) with one field made invalid; every one must come back as 400 naming
 * that field. Bodies the JSON parser refuses are left out: their only answer is invalid_json.
 */
export function badChatField(base: Record<string, unknown>, known: readonly string[]): fc.Arbitrary<BadField> {
  return fc.oneof<fc.Arbitrary<Patch>[]>(
    notAnArrayOfObjects.map((value) => set('messages', value)),
    badRole.map((value) => messageField('role', value)),
    badChatContent.map((value) => messageField('content', value)),
    fc.tuple(unknownField(['role', 'content']), anyJson).map(([name, value]) => messageField(name, value)),
    badModel.map((value) => set('model', value)),
    badNumber(0, 2).map((value) => set('temperature', value)),
    badNumber(0, 1).map((value) => set('top_p', value)),
    badTokenCount.map((value) => set('max_tokens', value)),
    badStop.map((value) => set('stop', value)),
    notAString.filter((value) => value !== null && typeof value !== 'boolean').map((value) => set('stream', value)),
    fc.tuple(unknownField(known), anyJson).map(([name, value]) => set(name, value)),
  )
    .map((patch) => patch(base))
    .filter(({ body }) => !refusedByJsonParser(body));
}

/** `base` (a valid /v1/chat/completions request) with one field made invalid, as badChatField. */
export function badOpenAiField(base: Record<string, unknown>): fc.Arbitrary<BadField> {
  const nonNull = notAString.filter((value) => value !== null);
  return fc.oneof<fc.Arbitrary<Patch>[]>(
    notAnArrayOfObjects.map((value) => set('messages', value)),
    // `developer` is an OpenAI role (sent upstream as `system`).
    badRole.filter((role) => role !== 'developer').map((value) => messageField('role', value)),
    badOpenAiContent.map((value) => messageField('content', value)),
    badModel.map((value) => set('model', value)),
    badNumber(0, 2).map((value) => set('temperature', value)),
    badNumber(0, 1).map((value) => set('top_p', value)),
    badTokenCount.map((value) => set('max_tokens', value)),
    badTokenCount.map((value) => set('max_completion_tokens', value)),
    badStop.map((value) => set('stop', value)),
    fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Number.isInteger(value)), fc.string(), fc.boolean()).map((value) => set('seed', value)),
    fc.oneof(nonNull.filter((value) => typeof value !== 'string'), fc.integer({ min: 257, max: 5_000 }).map((length) => 'u'.repeat(length))).map((value) => set('user', value)),
    fc.oneof(fc.integer().filter((n) => n !== 1), fc.string(), fc.boolean()).map((value) => set('n', value)),
    fc.oneof(fc.constant(true), fc.integer(), fc.string()).map((value) => set('logprobs', value)),
    nonNull.map((value) => set('top_logprobs', value)),
    nonNull.map((value) => set('logit_bias', value)),
    nonNull.filter((value) => typeof value !== 'boolean').map((value) => set('stream', value)),
    fc.oneof(
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(anyJson, { maxLength: 2 })),
      nonNull.filter((value) => typeof value !== 'boolean').map((include_usage) => ({ include_usage })),
    ).map((value) => set('stream_options', value)),
    fc.oneof(
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.record({ type: fc.constant('text') }), { maxLength: 2 })),
      fc.oneof(oddString.filter((type) => !['text', 'json_object', 'json_schema'].includes(type)), nonNull).map((type) => ({ type })),
      fc.oneof(fc.string(), fc.integer(), fc.boolean()).map((json_schema) => ({ type: 'json_schema', json_schema })),
    ).map((value) => set('response_format', value)),
    fc.oneof(
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.dictionary(fc.string(), anyJson, { maxKeys: 2 })),
      fc.array(fc.oneof(notAString, fc.record({ type: fc.constantFrom('custom', 'code_interpreter', ''), function: fc.record({ name: fc.constant('f') }) }), fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('', 'has space', 'x'.repeat(65), 'dot.ted') }) })), { minLength: 1, maxLength: 2 }),
    ).map((value) => set('tools', value)),
    // Without tools, only none and auto are meaningful.
    fc.oneof(fc.constantFrom('required', 'any', 'NONE', ''), fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.string() }) }), fc.integer(), fc.boolean()).map((value) => set('tool_choice', value)),
    fc.oneof(oddString.filter((effort) => !['none', 'minimal', 'low', 'medium', 'high', 'xhigh'].includes(effort)), fc.integer(), fc.boolean()).map((value) => set('reasoning_effort', value)),
    fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => value < -2 || value > 2), fc.string(), fc.boolean()).map((value) => set('frequency_penalty', value)),
  )
    .map((patch) => patch(base))
    .filter(({ body }) => !refusedByJsonParser(body));
}

/** A request mixing valid, odd and wrong values in any field; some come out valid. */
export function mixedRequest(family: 'gateway' | 'openai', known: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const textParts = fc.array(fc.record({ type: fc.constant('text'), text: fc.string() }), { minLength: 1, maxLength: 3 });
  const content = family === 'openai' ? fc.oneof(oddString, textParts, badOpenAiContent) : fc.oneof(oddString, badChatContent);
  const message = fc.oneof(
    { weight: 3, arbitrary: fc.record({ role: fc.constantFrom(...roles), content: goodContent }) },
    { weight: 1, arbitrary: fc.record({ role: fc.oneof(fc.constantFrom(...roles), badRole), content }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: anyJson },
  );
  const shared = {
    messages: fc.oneof({ weight: 3, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: anyJson }),
    model: fc.oneof(fc.constantFrom('m', 'groq/m', 'auto', 'cerebras/m', 'groq/'), oddString, badModel),
    temperature: fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), badNumber(0, 2), anyJson),
    top_p: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), badNumber(0, 1), anyJson),
    max_tokens: fc.oneof(fc.integer({ min: 1, max: 131_072 }), badTokenCount, anyJson),
    stop: fc.oneof(fc.string({ minLength: 1 }), fc.array(fc.string({ minLength: 1 }), { maxLength: 4 }), badStop, anyJson),
    stream: fc.oneof(fc.boolean(), anyJson),
  };
  const openAiOnly = {
    stream_options: fc.oneof(fc.record({ include_usage: fc.boolean() }), anyJson),
    max_completion_tokens: fc.oneof(fc.integer({ min: 1, max: 131_072 }), badTokenCount),
    seed: fc.oneof(fc.integer(), anyJson),
    user: fc.oneof(fc.string({ maxLength: 20 }), oddString, anyJson),
    response_format: fc.oneof(fc.record({ type: fc.constantFrom('text', 'json_object') }), anyJson),
    n: fc.oneof(fc.constant(1), anyJson),
    logprobs: fc.oneof(fc.constant(false), anyJson),
  };
  const fields = fc.record(family === 'openai' ? { ...shared, ...openAiOnly } : shared, { requiredKeys: [] });
  const extra = fc.option(fc.dictionary(unknownField(known), anyJson, { minKeys: 1, maxKeys: 2 }), { freq: 2, nil: {} });
  return fc.tuple(fields, extra).map(([body, unknown]) => ({ ...body, ...unknown }));
}

/** A JSON number literal as a client might write it: leading zeros, huge exponents, `-0` (some are not JSON). */
export const numberLiteral = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    fc.oneof(fc.nat({ max: 200 }).map(String), fc.constantFrom('0', '00', '01', '131072', '131073', '9007199254740993', '1'.repeat(400))),
    fc.option(fc.nat().map((fraction) => `.${fraction}`), { nil: '' }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.nat({ max: 400 })).map((parts) => parts.join('')), { nil: '' }),
  )
  .map((parts) => parts.join(''));

/** Byte sequences that are not UTF-8: stray continuation bytes, overlong forms, encoded surrogates, cut sequences. */
export const invalidUtf8 = fc.oneof(
  fc
    .constantFrom([0xff], [0xfe], [0x80], [0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xf0, 0x80, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xc3], [0xf0, 0x9f, 0x98], [0x00])
    .map((bytes) => Uint8Array.from(bytes)),
  fc.uint8Array({ minLength: 1, maxLength: 16 }),
);
