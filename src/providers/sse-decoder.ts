/**
 * The largest SSE line, and the largest event (its `data:` lines together), a provider may send,
 * in characters (UTF-16 code units, so at most 2 MiB of memory). A chat-completion chunk is a few
 * hundred bytes; 1 MiB leaves room for any real frame. Past it the decoder gives up, so one
 * stream holds at most this much (plus one network read) however much the provider sends.
 */
export const MAX_SSE_FRAME_CHARS = 1024 * 1024;

/** A line or an event grew past MAX_SSE_FRAME_CHARS. */
export class SseFrameTooLargeError extends Error {
  override readonly name = 'SseFrameTooLargeError';

  constructor(
    readonly limit: number,
    /** The events the same read completed before the oversized one, to be relayed first. */
    readonly events: string[],
  ) {
    super(`an SSE line or event is larger than ${limit} characters`);
  }
}

/**
 * Incremental decoder for the `data:` lines of an SSE body. `push` returns the data of every
 * event completed by that network read, so a whole read is handled in one synchronous step and
 * no event waits for the next read (the Cerebras SDK's own splitter holds the last complete
 * event back until more bytes come).
 *
 * Each read is scanned once: the unfinished line is kept as pieces and only new text is searched
 * for a newline, so a body without newlines costs linear time, and it is refused once it passes
 * `maxFrameChars` (SseFrameTooLargeError).
 */
export class SseDataDecoder {
  private readonly decoder = new TextDecoder();
  /** The unfinished line, as the pieces it arrived in. */
  private partial: string[] = [];
  private partialLength = 0;
  private data: string[] = [];
  private dataLength = 0;

  constructor(private readonly maxFrameChars = MAX_SSE_FRAME_CHARS) {}

  push(bytes: Uint8Array | string): string[] {
    const text = typeof bytes === 'string' ? bytes : this.decoder.decode(bytes, { stream: true });
    const events: string[] = [];
    let start = 0;
    let newline: number;
    while ((newline = text.indexOf('\n', start)) !== -1) {
      let line = text.slice(start, newline);
      if (this.partial.length > 0) {
        this.partial.push(line);
        line = this.partial.join('');
        this.partial = [];
        this.partialLength = 0;
      }
      if (line.length > this.maxFrameChars) throw new SseFrameTooLargeError(this.maxFrameChars, events);
      this.takeLine(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line, events);
      start = newline + 1;
    }
    if (start < text.length) {
      this.partialLength += text.length - start;
      if (this.partialLength > this.maxFrameChars) throw new SseFrameTooLargeError(this.maxFrameChars, events);
      this.partial.push(start === 0 ? text : text.slice(start));
    }
    return events;
  }

  /** What is left once the body has ended: an event missing its final blank line still counts. */
  end(): string[] {
    const rest = this.partial.join('') + this.decoder.decode();
    this.partial = [];
    this.partialLength = 0;
    const events: string[] = [];
    if (rest.length > this.maxFrameChars) throw new SseFrameTooLargeError(this.maxFrameChars, events);
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
    if (this.dataLength > this.maxFrameChars) throw new SseFrameTooLargeError(this.maxFrameChars, events);
    this.data.push(data);
  }
}

function dataOf(line: string): string {
  return line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
}
