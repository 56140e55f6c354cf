/**
 * Incremental decoder for the `data:` lines of an SSE body. `push` returns the data of every
 * event completed by that network read, so a whole read is handled in one synchronous step and
 * no event waits for the next read (the Cerebras SDK's own splitter holds the last complete
 * event back until more bytes come).
 */
export class SseDataDecoder {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private data: string[] = [];

  push(bytes: Uint8Array | string): string[] {
    this.buffer += typeof bytes === 'string' ? bytes : this.decoder.decode(bytes, { stream: true });
    const events: string[] = [];
    let start = 0;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n', start)) !== -1) {
      const end = newline > start && this.buffer.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      this.takeLine(this.buffer.slice(start, end), events);
      start = newline + 1;
    }
    if (start > 0) this.buffer = this.buffer.slice(start);
    return events;
  }

  /** What is left once the body has ended: an event missing its final blank line still counts. */
  end(): string[] {
    this.buffer += this.decoder.decode();
    const events: string[] = [];
    if (this.buffer.startsWith('data:')) this.data.push(dataOf(this.buffer));
    this.buffer = '';
    if (this.data.length > 0) events.push(this.data.join('\n'));
    this.data = [];
    return events;
  }

  private takeLine(line: string, events: string[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push(this.data.length === 1 ? this.data[0]! : this.data.join('\n'));
      this.data = [];
    } else if (line.startsWith('data:')) {
      this.data.push(dataOf(line));
    }
    // Comments (`:`), `event:`, `id:` and `retry:` lines carry nothing the gateway uses.
  }
}

function dataOf(line: string): string {
  return line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
}
