import { describe, expect, it } from 'vitest';
import { MAX_SSE_FRAME_BYTES, SseDataDecoder, SseFrameTooLargeError } from './sse-decoder.js';

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

  it('decodes a multi-byte code point delivered one byte per read', () => {
    const text = 'é€🙂 naïve 日本 𝄞';
    const bytes = encoder.encode(`data: ${text}\n\n`);
    const reads = [...bytes].map((byte) => Uint8Array.of(byte));
    expect(all(...reads)).toEqual([text]);
  });

  it('decodes the same events wherever the body is cut into reads', () => {
    const body = 'data: {"a":"é"}\r\n\r\n: ping\n\ndata: x\ndata: 🙂y\n\ndata: [DONE]\n\n';
    const bytes = encoder.encode(body);
    const expected = ['{"a":"é"}', 'x\n🙂y', '[DONE]'];
    for (let first = 0; first <= bytes.length; first++) {
      for (let second = first; second <= bytes.length; second += 3) {
        expect(all(bytes.slice(0, first), bytes.slice(first, second), bytes.slice(second))).toEqual(expected);
      }
    }
  });

  describe('bounds', () => {
    it('refuses a line longer than its limit, even before the line ends', () => {
      const decoder = new SseDataDecoder(10);
      expect(decoder.push('data: 1234')).toEqual([]);
      expect(() => decoder.push('5')).toThrow(SseFrameTooLargeError);
      expect(() => new SseDataDecoder(10).push('data: 12345678\n')).toThrow(SseFrameTooLargeError);
    });

    it('refuses an event whose data lines together pass the limit', () => {
      const decoder = new SseDataDecoder(10);
      expect(decoder.push('data: 1234\n')).toEqual([]);
      expect(() => decoder.push('data: 567890\n')).toThrow(SseFrameTooLargeError);
    });

    it('hands back the events the read completed before the oversized line', () => {
      const decoder = new SseDataDecoder(10);
      const error = (() => {
        try {
          decoder.push('data: a\n\ndata: b\n\ndata: 0123456789');
        } catch (thrown) {
          return thrown;
        }
      })();
      expect(error).toBeInstanceOf(SseFrameTooLargeError);
      expect((error as SseFrameTooLargeError).events).toEqual(['a', 'b']);
    });

    it('accepts a line just under the limit, split into many reads', () => {
      const decoder = new SseDataDecoder(1_000);
      const data = 'x'.repeat(990);
      const events: string[] = [];
      for (let at = 0; at < data.length; at += 7) events.push(...decoder.push(`${at === 0 ? 'data: ' : ''}${data.slice(at, at + 7)}`));
      events.push(...decoder.push('\n\n'));
      expect(events).toEqual([data]);
    });

    it('defaults to a 1 MiB limit', () => {
      expect(MAX_SSE_FRAME_BYTES).toBe(1024 * 1024);
      const decoder = new SseDataDecoder();
      const data = 'y'.repeat(MAX_SSE_FRAME_BYTES - 100);
      expect(decoder.push(`data: ${data}\n\n`)).toEqual([data]);
    });

    it('scans each read once: a 4 MiB body without a newline, in 16 KiB reads, is refused at the limit quickly', () => {
      const read = encoder.encode('x'.repeat(16 * 1024));
      const decoder = new SseDataDecoder();
      decoder.push('data: ');
      const started = performance.now();
      let reads = 0;
      let thrown: unknown;
      try {
        for (; reads < 256; reads++) decoder.push(read);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SseFrameTooLargeError);
      expect(reads + 1).toBe(64); // refused by the read that passes 1 MiB, never reading on to 4 MiB
      // Rescanning the buffer from the start on every read costs ~32 MB of scanning by here.
      expect(performance.now() - started).toBeLessThan(50);
    });

    it('keeps no more than one read beyond its limit, however long the newline-free body', () => {
      const decoder = new SseDataDecoder(64 * 1024);
      const read = 'z'.repeat(1024);
      let taken = 0;
      expect(() => {
        // 1 MiB offered in all: without a limit this would simply take it.
        for (let reads = 0; reads < 1024; reads++) {
          decoder.push(read);
          taken += read.length;
        }
      }).toThrow(SseFrameTooLargeError);
      expect(taken).toBe(64 * 1024);
    });
  });
});
