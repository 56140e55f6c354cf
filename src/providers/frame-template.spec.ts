import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTemplates } from './frame-template.js';

/** What the adapter reads of a frame (toChunk's fields, as it reaches them); 'invalid' when JSON.parse refuses it. */
function reading(frame: unknown): unknown {
  const record = frame as { choices?: Array<{ delta?: Record<string, unknown>; finish_reason?: unknown }>; usage?: unknown; x_groq?: { usage?: unknown; error?: unknown }; error?: unknown; status_code?: unknown } | null;
  const choice = record?.choices?.[0];
  return {
    content: choice?.delta?.content ?? undefined,
    reasoning: choice?.delta?.reasoning ?? undefined,
    toolCalls: choice?.delta?.tool_calls ?? undefined,
    finishReason: choice?.finish_reason ?? undefined,
    usage: record?.usage ?? record?.x_groq?.usage ?? undefined,
    error: record?.error ?? record?.x_groq?.error ?? undefined,
    status: record?.status_code ?? undefined,
    notAnObject: typeof frame !== 'object' || frame === null || undefined,
  };
}

function byJsonParse(text: string): unknown {
  try {
    return reading(JSON.parse(text));
  } catch {
    return 'invalid';
  }
}

/** The adapter's way: the template when the frame fits it, else JSON.parse (which then teaches the template). */
function withTemplates(templates: FrameTemplates, text: string): { reading: unknown; hit: boolean } {
  const hit = templates.read(text);
  if (hit) return { reading: reading(hit), hit: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { reading: 'invalid', hit: false };
  }
  templates.learn(text, parsed);
  return { reading: reading(parsed), hit: false };
}

/** Token text, including what needs escaping and what is escaped in more than one way. */
const token = fc.oneof(
  { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)), maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom('"', '\\', '\n', '\u0000', '\u2028', '\ud83d', '😀', 'é', '","finish_reason":"stop', '"}]}', '\\"') },
);

/** Raw text put where a token's string literal goes: often not a valid literal at all. */
const rawLiteral = fc.oneof(
  token.map((text) => JSON.stringify(text)),
  token.map((text) => JSON.stringify(text).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)),
  fc.array(fc.constantFrom('"', '\\', 'u', '0', 'a', 'F', 'n', ',', ':', '}', ']', '{', ' ', '\u0001', '\n', 'x'), { maxLength: 8 }).map((chars) => `"${chars.join('')}"`),
  fc.string({ maxLength: 6 }),
);

/** A provider's frame layout: key order, extra fields and whitespace vary between providers, not within a stream. */
const layout = fc.record({
  fingerprint: fc.boolean(),
  usageNull: fc.boolean(),
  deltaFirst: fc.boolean(),
  spaced: fc.boolean(),
  model: fc.constantFrom('openai/gpt-oss-120b', 'gpt-oss-120b', 'content'),
});
type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

/** One frame of a stream in a layout, with a literal (raw text) in the text field's place. */
function frame(shape: Layout, part: { field: 'content' | 'reasoning'; literal: string; finish?: string; usage?: boolean; created?: number }): string {
  const colon = shape.spaced ? ': ' : ':';
  const comma = shape.spaced ? ', ' : ',';
  const delta = `{"role"${colon}"assistant"${comma}"${part.field}"${colon}${part.literal}}`;
  const choice = shape.deltaFirst
    ? `{"delta"${colon}${delta}${comma}"index"${colon}0${comma}"logprobs"${colon}null${comma}"finish_reason"${colon}${part.finish ? JSON.stringify(part.finish) : 'null'}}`
    : `{"index"${colon}0${comma}"delta"${colon}${delta}${comma}"finish_reason"${colon}${part.finish ? JSON.stringify(part.finish) : 'null'}}`;
  const fields = [
    `"id"${colon}"chatcmpl-1"`,
    `"created"${colon}${part.created ?? 1_700_000_000}`,
    `"model"${colon}${JSON.stringify(shape.model)}`,
    ...(shape.fingerprint ? [`"system_fingerprint"${colon}"fp_1"`] : []),
    `"choices"${colon}[${choice}]`,
    ...(part.usage ? [`"usage"${colon}{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}`] : shape.usageNull ? [`"usage"${colon}null`] : []),
  ];
  return `{${fields.join(comma)}}`;
}

/** What comes next in a stream: mostly tokens, sometimes something else entirely. */
const step = fc.oneof(
  { weight: 8, arbitrary: token.map((text) => ({ field: 'content' as const, literal: JSON.stringify(text) })) },
  { weight: 2, arbitrary: token.map((text) => ({ field: 'reasoning' as const, literal: JSON.stringify(text) })) },
  { weight: 3, arbitrary: rawLiteral.map((literal) => ({ field: 'content' as const, literal })) },
  { weight: 1, arbitrary: token.map((text) => ({ field: 'content' as const, literal: JSON.stringify(text), finish: 'stop' })) },
  { weight: 1, arbitrary: token.map((text) => ({ field: 'content' as const, literal: JSON.stringify(text), usage: true })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 9 }).map((created) => ({ field: 'content' as const, literal: '"x"', created })) },
);

/** A frame of the stream with a few characters changed anywhere, prefix and suffix included. */
const damage = fc.array(fc.tuple(fc.nat(), fc.constantFrom('{', '}', '"', '\\', ',', ' ', 'x', '\u0000')), { minLength: 1, maxLength: 2 });

describe('FrameTemplates', () => {
  it('reads the next token of a stream from the template, without JSON.parse', () => {
    const templates = new FrameTemplates();
    const shape: Layout = { fingerprint: true, usageNull: false, deltaFirst: false, spaced: false, model: 'gpt-oss-120b' };
    const first = frame(shape, { field: 'content', literal: '"Hel"' });
    templates.learn(first, JSON.parse(first));
    expect(templates.read(frame(shape, { field: 'content', literal: '"lo \\"you\\""' }))).toEqual({ choices: [{ delta: { content: 'lo "you"' } }] });
    expect(templates.read(frame(shape, { field: 'content', literal: '"x", "finish_reason": "stop"' }))).toBeNull();
    expect(templates.read(frame(shape, { field: 'content', literal: '"x"', finish: 'stop' }))).toBeNull();
  });

  it('reads every frame of a stream exactly as JSON.parse does, and serves most of them', () => {
    let hits = 0;
    let frames = 0;
    fc.assert(
      fc.property(layout, fc.array(fc.tuple(step, fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: damage })), { minLength: 1, maxLength: 30 }), (shape, steps) => {
        const templates = new FrameTemplates();
        for (const [part, edits] of steps) {
          let text = frame(shape, part);
          for (const [position, character] of edits ?? []) {
            const at = position % (text.length + 1);
            text = text.slice(0, at) + character + text.slice(at + 1);
          }
          const result = withTemplates(templates, text);
          frames += 1;
          hits += result.hit ? 1 : 0;
          expect({ text, reading: result.reading }).toEqual({ text, reading: byJsonParse(text) });
        }
      }),
      { numRuns: 3_000 },
    );
    // Most frames of these streams are plain tokens after a plain token: a template that never served would prove nothing.
    expect(hits).toBeGreaterThan(frames / 4);
  });

  it('makes no template from a literal that is not the text field, though it reads the same', () => {
    const templates = new FrameTemplates();
    const first = '{"choices":[{"delta":{"content":"ab"}}],"note":"ab"}';
    templates.learn(first, JSON.parse(first));
    // The last "ab" is the note's: a template there would read the note as the content.
    const next = '{"choices":[{"delta":{"content":"ab"}}],"note":"zz"}';
    expect(withTemplates(templates, next).reading).toEqual(byJsonParse(next));
  });

  it('stops making templates for a stream whose frames never repeat', () => {
    const templates = new FrameTemplates();
    const shape: Layout = { fingerprint: false, usageNull: false, deltaFirst: false, spaced: false, model: 'gpt-oss-120b' };
    for (let created = 0; created < 10; created++) {
      const text = frame(shape, { field: 'content', literal: '"a"', created });
      expect(templates.read(text)).toBeNull();
      templates.learn(text, JSON.parse(text));
    }
    // Three templates that never served: the fourth frame on is not even tried.
    const repeated = frame(shape, { field: 'content', literal: '"b"', created: 9 });
    expect(templates.read(repeated)).toBeNull();
  });
});
