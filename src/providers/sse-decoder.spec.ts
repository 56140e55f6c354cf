import { describe, expect, it } from 'vitest';
import { SseDataDecoder } from './sse-decoder.js';

const encoder = new TextEncoder();

/** The events each read completes, then what `end()` adds. */
function decode(...reads: Array<string | Uint8Array>): { perRead: string[][]; atEnd: string[] } {
  const decoder = new SseDataDecoder();
  const perRead = reads.map((read) => decoder.push(typeof read === 'string' ? encoder.encode(read) : read));
  return { perRead, atEnd: decoder.end() };
}

const all = (...reads: Array<string | Uint8Array>): string[] => {
  const { perRead, atEnd } = decode(...reads);
  return [...perRead.flat(), ...atEnd];
};

describe('SseDataDecoder', () => {
  it('returns an event from the read that completes it, even when its blank line ends the read', () => {
    expect(decode('data: first\n\n', 'data: second\n\n').perRead).toEqual([['first'], ['second']]);
  });

  it('returns every event of one read together, in order', () => {
    expect(decode('data: a\n\ndata: b\n\ndata: c\n\n').perRead).toEqual([['a', 'b', 'c']]);
  });

  it('joins an event split across reads, returning it from the read that ends it', () => {
    expect(decode('da', 'ta: {"a"', ':1}', '\n', '\ndata: b\n\n').perRead).toEqual([[], [], [], [], ['{"a":1}', 'b']]);
  });

  it('decodes a multi-byte UTF-8 character split across reads', () => {
    const bytes = encoder.encode('data: café 🙂\n\n');
    const splitInsideEmoji = bytes.length - 4; // inside the 4-byte emoji
    const splitInsideE = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    expect(all(bytes.slice(0, splitInsideE), bytes.slice(splitInsideE, splitInsideEmoji), bytes.slice(splitInsideEmoji))).toEqual([
      'café 🙂',
    ]);
  });

  it('accepts \\r\\n line endings', () => {
    expect(all('data: one\r\n\r\ndata: two\r\n', '\r\n')).toEqual(['one', 'two']);
  });

  it('accepts a \\r\\n pair split across reads', () => {
    expect(decode('data: one\r', '\n\r', '\n').perRead).toEqual([[], [], ['one']]);
  });

  it('ignores comments and event:, id: and retry: lines', () => {
    expect(all(': ping\n\n', 'event: message\nid: 7\nretry: 1000\ndata: x\n\n', ':keep-alive\n\n')).toEqual(['x']);
  });

  it('joins the data lines of one event with \\n', () => {
    expect(all('data: line 1\ndata: line 2\ndata:line 3\n\n')).toEqual(['line 1\nline 2\nline 3']);
  });

  it('strips exactly one space after "data:"', () => {
    expect(all('data:  indented\n\ndata:tight\n\n')).toEqual([' indented', 'tight']);
  });

  it('passes the [DONE] marker through as data', () => {
    expect(all('data: {"a":1}\n\ndata: [DONE]\n\n')).toEqual(['{"a":1}', '[DONE]']);
  });

  it('returns an event whose blank line never came only at the end of the body', () => {
    expect(decode('data: a\n\ndata: last\n')).toEqual({ perRead: [['a']], atEnd: ['last'] });
    expect(decode('data: a\n\ndata: tail')).toEqual({ perRead: [['a']], atEnd: ['tail'] });
  });

  it('accepts strings as well as bytes', () => {
    const decoder = new SseDataDecoder();
    expect([...decoder.push('data: a\n'), ...decoder.push('\n')]).toEqual(['a']);
  });
});
