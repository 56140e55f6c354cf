/**
 * The largest SSE line, and the largest event (its `data:` lines together), a provider may send:
 * 1 MiB. A chat-completion chunk is a few hundred bytes; 1 MiB leaves room for any real frame.
 * Past it the decoder gives up, so one stream holds at most this much (plus one network read)
 * however much the provider sends.
 */
export const MAX_SSE_FRAME_BYTES = 1024 * 1024;

/** A line or an event grew past MAX_SSE_FRAME_BYTES. */
export class SseFrameTooLargeError extends Error {
  override readonly name = 'SseFrameTooLargeError';

  constructor(
    readonly limit: number,
    /** The events the same read completed before the oversized one, to be relayed first. */
    readonly events: string[],
  ) {
    super(`an SSE line or event is larger than ${limit} bytes`);
  }
}

const NEWLINE = 0x0a;

/**
 * Incremental decoder for the `data:` lines of an SSE body. `push` returns the data of every
 * event completed by that network read, so a whole read is handled in one synchronous step and
 * no event waits for the next read (the Cerebras SDK's own splitter holds the last complete
 * event back until more bytes come).
 *
 * Each read is looked at once. The bytes up to its last newline are decoded in one go (they end
 * on a line boundary, so never inside a UTF-8 sequence); the bytes after it wait, undecoded and
 * unscanned, for the read that ends their line. A body without newlines thus costs a byte search
 * per read, and is refused once the waiting line passes `maxFrameBytes` (SseFrameTooLargeError).
 */
export class SseDataDecoder {
  private readonly decoder = new TextDecoder();
  /** The bytes of the unfinished line, as the reads they arrived in. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private data: string[] = [];
  private dataLength = 0;

  constructor(private readonly maxFrameBytes = MAX_SSE_FRAME_BYTES) {}

  push(input: Uint8Array | string): string[] {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const events: string[] = [];
    const last = bytes.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.keep(bytes, events);
      return events;
    }
    const lines = bytes.subarray(0, last + 1);
    const text = this.decoder.decode(this.partial.length > 0 ? Buffer.concat([...this.partial, lines]) : lines);
    this.partial = [];
    this.partialBytes = 0;
    let start = 0;
    let newline: number;
    while ((newline = text.indexOf('\n', start)) !== -1) {
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      // Characters, not bytes, once decoded: never more than the bytes they came from.
      if (end - start > this.maxFrameBytes) throw new SseFrameTooLargeError(this.maxFrameBytes, events);
      this.takeLine(text.slice(start, end), events);
      start = newline + 1;
    }
    if (last + 1 < bytes.length) this.keep(bytes.subarray(last + 1), events);
    return events;
  }

  /** Holds the start of a line until the read that ends it; refuses it past the limit. */
  private keep(bytes: Buffer, events: string[]): void {
    this.partialBytes += bytes.length;
    if (this.partialBytes > this.maxFrameBytes) throw new SseFrameTooLargeError(this.maxFrameBytes, events);
    this.partial.push(bytes);
  }

  /** What is left once the body has ended: an event missing its final blank line still counts. */
  end(): string[] {
    const rest = this.decoder.decode(Buffer.concat(this.partial));
    this.partial = [];
    this.partialBytes = 0;
    const events: string[] = [];
    if (rest.startsWith('data:')) this.addData(dataOf(rest), events);
    if (this.data.length > 0) events.push(this.data.join('\n'));
    this.data = [];
    this.dataLength = 0;
    return events;
  }

  private takeLine(line: string, events: string[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push(this.data.length === 1 ? this.data[0]! : this.data.join('\n'));
      this.data = [];
      this.dataLength = 0;
    } else if (line.startsWith('data:')) {
      this.addData(dataOf(line), events);
    }
    // Comments (`:`), `event:`, `id:` and `retry:` lines carry nothing the gateway uses.
  }

  /** An event of many `data:` lines is bounded like one line. */
  private addData(data: string, events: string[]): void {
    this.dataLength += data.length + 1;
    if (this.dataLength > this.maxFrameBytes) throw new SseFrameTooLargeError(this.maxFrameBytes, events);
    this.data.push(data);
  }
}

function dataOf(line: string): string {
  return line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
}
