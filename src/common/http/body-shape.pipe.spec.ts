import { describe, expect, it } from 'vitest';
import { RequestInvalidError } from '../errors/gateway-errors.js';
import { BodyShapePipe, MAX_ARRAY_ITEMS, MAX_BODY_DEPTH, MAX_OBJECT_KEYS } from './body-shape.pipe.js';

const pipe = new BodyShapePipe();
const asBody = { type: 'body' } as const;

/** `levels` nested arrays around 0. */
function arrays(levels: number): unknown {
  let value: unknown = 0;
  for (let level = 0; level < levels; level += 1) value = [value];
  return value;
}

function fieldsOf(call: () => unknown): Array<{ field: string; errors: string[] }> {
  try {
    call();
  } catch (error) {
    if (error instanceof RequestInvalidError) return error.details.fields;
    throw error;
  }
  return [];
}

describe('BodyShapePipe', () => {
  it(`passes a body ${MAX_BODY_DEPTH} levels deep through unchanged`, () => {
    const body = { schema: arrays(MAX_BODY_DEPTH - 1) };
    expect(pipe.transform(body, asBody)).toBe(body);
  });

  it(`refuses a body ${MAX_BODY_DEPTH + 1} levels deep, naming its top-level field`, () => {
    expect(fieldsOf(() => pipe.transform({ messages: [], schema: arrays(MAX_BODY_DEPTH) }, asBody))).toEqual([
      { field: 'schema', errors: [`schema is nested more than ${MAX_BODY_DEPTH} levels deep`] },
    ]);
  });

  it('measures a million levels without overflowing the stack', () => {
    expect(fieldsOf(() => pipe.transform(arrays(1_000_000), asBody))).toEqual([
      { field: '0', errors: [`0 is nested more than ${MAX_BODY_DEPTH} levels deep`] },
    ]);
  });

  it.each(['constructor', 'prototype', 'toString', 'hasOwnProperty', '__lookupGetter__'])('refuses a property named %s, at any level, by its path', (name) => {
    const body = JSON.parse(`{"messages":[{"role":"user","content":"hi","${name}":1}]}`) as unknown;
    expect(fieldsOf(() => pipe.transform(body, asBody))).toEqual([{ field: `messages.0.${name}`, errors: [`${name} is not a supported parameter`] }]);
  });

  it('keeps an empty property name in the path, so the field named is the one at fault', () => {
    const top = JSON.parse('{"messages":[],"":{"toString":1}}') as unknown;
    const nested = JSON.parse('{"messages":[],"x":{"":[{"valueOf":1}]}}') as unknown;
    expect(fieldsOf(() => pipe.transform(top, asBody))).toEqual([{ field: '.toString', errors: ['toString is not a supported parameter'] }]);
    expect(fieldsOf(() => pipe.transform(nested, asBody))).toEqual([{ field: 'x..0.valueOf', errors: ['valueOf is not a supported parameter'] }]);
  });

  it('counts messages before walking them: a message with a bad property past the limit is never looked at', () => {
    const limited = new BodyShapePipe({ maxMessages: 3 });
    const messages = [...Array.from({ length: 3 }, () => ({ role: 'user', content: 'hi' })), JSON.parse('{"toString":1}') as object];
    expect(fieldsOf(() => limited.transform({ messages }, asBody))).toEqual([{ field: 'messages', errors: ['must contain at most 3 messages'] }]);
    expect(limited.transform({ messages: messages.slice(0, 3) }, asBody)).toEqual({ messages: messages.slice(0, 3) });
  });

  it(`refuses an array of more than ${MAX_ARRAY_ITEMS} items by its path, without iterating it`, () => {
    const stop = new Proxy(Array.from({ length: MAX_ARRAY_ITEMS + 1 }, () => 'x'), {
      ownKeys: () => {
        throw new Error('iterated');
      },
    });
    expect(fieldsOf(() => pipe.transform({ messages: [], stop }, asBody))).toEqual([
      { field: 'stop', errors: [`stop must contain at most ${MAX_ARRAY_ITEMS} items`] },
    ]);
    expect(pipe.transform({ stop: Array.from({ length: MAX_ARRAY_ITEMS }, () => 'x') }, asBody)).toBeDefined();
  });

  it('admits as many messages as MAX_MESSAGES allows, also above the array cap', () => {
    const messages = Array.from({ length: MAX_ARRAY_ITEMS + 10 }, () => ({ role: 'user', content: 'hi' }));
    expect(new BodyShapePipe({ maxMessages: MAX_ARRAY_ITEMS + 10 }).transform({ messages }, asBody)).toBeDefined();
  });

  it(`refuses an object of more than ${MAX_OBJECT_KEYS} properties, at the top level or nested`, () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_OBJECT_KEYS + 1 }, (_, i) => [`k${i}`, i]));
    expect(fieldsOf(() => pipe.transform(wide, asBody))).toEqual([{ field: 'body', errors: [`body must have at most ${MAX_OBJECT_KEYS} properties`] }]);
    expect(fieldsOf(() => pipe.transform({ response_format: { json_schema: { schema: wide } } }, asBody))).toEqual([
      { field: 'response_format.json_schema.schema', errors: [`response_format.json_schema.schema must have at most ${MAX_OBJECT_KEYS} properties`] },
    ]);
  });

  it('leaves what is not a body, and bodies that are not objects, to the ValidationPipe', () => {
    expect(pipe.transform(arrays(1_000), { type: 'query' })).toEqual(arrays(1_000));
    expect(pipe.transform('text', asBody)).toBe('text');
    expect(pipe.transform(null, asBody)).toBeNull();
  });
});
