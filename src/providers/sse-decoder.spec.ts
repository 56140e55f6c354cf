import { describe, expect, it } from 'vitest';
import { decodeSseData } from './sse-decoder.js';

const encoder = new TextEncoder();

async function* chunks(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? encoder.encode(part) : part;
}

async function collect(body: AsyncIterable<Uint8Array | string>): Promise<string[]> {
  const events: string[] = [];
  for await (const data of decodeSseData(body)) events.push(data);
  return events;
}

describe('decodeSseData', () => {
  it('yields an event as soon as its blank line arrives, even when that line ends the network chunk', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let secondChunkSent = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('data: first\n\n');
      await held;
      secondChunkSent = true;
      yield encoder.encode('data: second\n\n');
    }

    const events = decodeSseData(body());
    let first: IteratorResult<string> | undefined;
    void events.next().then((result) => (first = result));
    // Every pending microtask has run by the next macrotask: a decoder waiting on the next chunk has not resolved.
    await new Promise((resolve) => setImmediate(resolve));
    expect(first).toEqual({ done: false, value: 'first' });
    expect(secondChunkSent).toBe(false);

    release();
    expect(await events.next()).toEqual({ done: false, value: 'second' });
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('joins an event split across chunks', async () => {
    expect(await collect(chunks('da', 'ta: {"a"', ':1}', '\n', '\ndata: b\n\n'))).toEqual(['{"a":1}', 'b']);
  });

  it('decodes a multi-byte UTF-8 character split across chunks', async () => {
    const bytes = encoder.encode('data: café 🙂\n\n');
    const splitInsideEmoji = bytes.length - 4; // inside the 4-byte emoji
    const splitInsideE = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    const events = await collect(
      chunks(bytes.slice(0, splitInsideE), bytes.slice(splitInsideE, splitInsideEmoji), bytes.slice(splitInsideEmoji)),
    );
    expect(events).toEqual(['café 🙂']);
  });

  it('accepts \\r\\n line endings', async () => {
    expect(await collect(chunks('data: one\r\n\r\ndata: two\r\n', '\r\n'))).toEqual(['one', 'two']);
  });

  it('accepts a \\r\\n pair split across chunks', async () => {
    expect(await collect(chunks('data: one\r', '\n\r', '\n'))).toEqual(['one']);
  });

  it('ignores comments and event:, id: and retry: lines', async () => {
    const body = chunks(': ping\n\n', 'event: message\nid: 7\nretry: 1000\ndata: x\n\n', ':keep-alive\n\n');
    expect(await collect(body)).toEqual(['x']);
  });

  it('joins the data lines of one event with \\n', async () => {
    expect(await collect(chunks('data: line 1\ndata: line 2\ndata:line 3\n\n'))).toEqual(['line 1\nline 2\nline 3']);
  });

  it('strips exactly one space after "data:"', async () => {
    expect(await collect(chunks('data:  indented\n\ndata:tight\n\n'))).toEqual([' indented', 'tight']);
  });

  it('passes the [DONE] marker through as data', async () => {
    expect(await collect(chunks('data: {"a":1}\n\ndata: [DONE]\n\n'))).toEqual(['{"a":1}', '[DONE]']);
  });

  it('accepts string chunks as well as bytes', async () => {
    async function* strings(): AsyncGenerator<string> {
      yield 'data: a\n';
      yield '\n';
    }
    expect(await collect(strings())).toEqual(['a']);
  });
});
