import { parseSse, type SseEvent } from './gateway-harness.js';

/** An SSE event (or `comment`) with the time it arrived, in ms since the reader was created. */
export interface ArrivedEvent extends SseEvent {
  at: number;
}

/**
 * Reads an SSE response incrementally, so a test can see when each event arrives and stop
 * (or disconnect) in the middle of a stream.
 */
export class SseStream {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private readonly startedAt: number;
  private buffer = '';
  private queue: ArrivedEvent[] = [];
  private ended = false;

  /** `startedAt`: when the request was sent (performance.now()), to time events from the request. */
  constructor(response: Response, startedAt = performance.now()) {
    if (!response.body) throw new Error('response has no body');
    this.reader = response.body.getReader();
    this.startedAt = startedAt;
  }

  /** The next event or comment; undefined once the body has ended. Rejects if the connection breaks. */
  async next(): Promise<ArrivedEvent | undefined> {
    while (this.queue.length === 0) {
      if (this.ended) return undefined;
      const { value, done } = await this.reader.read();
      if (done) {
        this.ended = true;
        this.buffer += this.decoder.decode();
        this.take(this.buffer);
        this.buffer = '';
      } else {
        this.buffer += this.decoder.decode(value, { stream: true });
        const end = this.buffer.lastIndexOf('\n\n');
        if (end !== -1) {
          this.take(this.buffer.slice(0, end + 2));
          this.buffer = this.buffer.slice(end + 2);
        }
      }
    }
    return this.queue.shift();
  }

  /** Reads until an event with this name (skipping others); throws if the body ends first. */
  async until(event: string): Promise<ArrivedEvent> {
    for (;;) {
      const next = await this.next();
      if (!next) throw new Error(`the stream ended before an "${event}" event`);
      if (next.event === event) return next;
    }
  }

  /** Every remaining event, until the body ends. */
  async rest(): Promise<ArrivedEvent[]> {
    const events: ArrivedEvent[] = [];
    for (let event = await this.next(); event; event = await this.next()) events.push(event);
    return events;
  }

  /** Stops reading; the connection is closed. */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }

  private take(text: string): void {
    const at = performance.now() - this.startedAt;
    for (const event of parseSse(text)) this.queue.push({ ...event, at });
  }
}

/** The whole SSE body, parsed (comments included as event `comment`). */
export async function readSse(response: Response): Promise<SseEvent[]> {
  return parseSse(await response.text());
}

/** The event names in order, comments left out. */
export function eventNames(events: readonly SseEvent[]): string[] {
  return events.filter((event) => event.event !== 'comment').map((event) => event.event);
}

/** The data of every event with this name. */
export function dataOf<T = Record<string, unknown>>(events: readonly SseEvent[], name: string): T[] {
  return events.filter((event) => event.event === name).map((event) => event.data as T);
}
