// The load client: POST /chat over node:http (an Agent with no socket cap; fetch's pools would
// queue requests beyond their connection limit), reading the SSE body frame by frame as it
// arrives so that a client can hang up at a chosen point.
import { Agent, request, type ClientRequest } from 'node:http';

/** What a client has read of one /chat SSE stream so far. */
export class SseProgress {
  status = 0;
  meta = false;
  deltas: string[] = [];
  done = false;
  /** The data of an `error` event, if one came. */
  errorEvent: string | undefined;
  /** An event arrived out of place (anything before meta, anything after done or error). */
  outOfOrder: string | undefined;
  private buffer = '';

  /** Parses the complete frames in `text` (plus what was left over from the last chunk). */
  push(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      this.frame(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
    }
  }

  get content(): string {
    return this.deltas.join('');
  }

  private frame(frame: string): void {
    if (frame.startsWith(':')) return; // keep-alive comment
    const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
    const data = /^data: (.*)$/m.exec(frame)?.[1] ?? '';
    if (this.done || this.errorEvent !== undefined || (!this.meta && event !== 'meta')) {
      this.outOfOrder ??= `${event} after ${this.done ? 'done' : this.errorEvent !== undefined ? 'error' : 'nothing'}`;
    }
    if (event === 'meta') this.meta = true;
    else if (event === 'delta') this.deltas.push((JSON.parse(data) as { content: string }).content);
    else if (event === 'done') this.done = true;
    else if (event === 'error') this.errorEvent = data;
  }
}

export interface StreamResult {
  progress: SseProgress;
  /** Why the exchange did not end normally: a socket error, or closed before the end. */
  transportError: string | undefined;
  /** This client hung up on purpose. */
  hungUp: boolean;
}

export interface ChatStream {
  /** What has been read so far. */
  progress: SseProgress;
  /** Resolves when the response ended, failed or was destroyed; never rejects. */
  result: Promise<StreamResult>;
  /** Destroys the connection (a client that goes away). */
  hangUp(): void;
}

export const unlimitedAgent = () => new Agent({ keepAlive: true, maxSockets: Infinity });

/**
 * One POST /chat. `onProgress` runs after each body chunk has been parsed; returning true hangs
 * up there, before the next chunk is read.
 */
export function streamChat(
  url: string,
  body: string,
  agent: Agent,
  onProgress?: (progress: SseProgress) => boolean | void,
): ChatStream {
  const progress = new SseProgress();
  let req!: ClientRequest;
  let hungUp = false;
  const result = new Promise<StreamResult>((resolve) => {
    let settled = false;
    let ended = false;
    const finish = (transportError?: string) => {
      if (settled) return;
      settled = true;
      resolve({ progress, transportError, hungUp });
    };
    req = request(
      `${url}/chat`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        progress.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (hungUp) return;
          progress.push(chunk);
          if (onProgress?.(progress) === true) hangUp();
        });
        res.on('end', () => {
          ended = true;
          finish();
        });
        res.on('error', (error) => finish(error.message));
        res.on('close', () => finish(ended ? undefined : 'closed before the end'));
      },
    );
    req.on('error', (error) => finish(error.message));
    // Destroyed before a response: 'close' is all that comes.
    req.on('close', () => finish(progress.status === 0 ? 'closed before a response' : ended ? undefined : 'closed before the end'));
    req.end(body);
  });
  function hangUp() {
    if (hungUp) return;
    hungUp = true;
    req.destroy();
  }
  return { progress, result, hangUp };
}

/** Null when the stream is a whole answer: 200, meta, exactly `expected` in order, done last. */
export function incompleteness({ progress, transportError }: StreamResult, expected: readonly string[]): string | null {
  if (transportError) return transportError;
  if (progress.status !== 200) return `HTTP ${progress.status}`;
  if (progress.errorEvent !== undefined) return `error event ${progress.errorEvent}`;
  if (progress.outOfOrder) return `out of order: ${progress.outOfOrder}`;
  if (!progress.done) return 'no done event';
  if (progress.deltas.length !== expected.length) return `${progress.deltas.length} deltas instead of ${expected.length}`;
  if (progress.deltas.some((delta, i) => delta !== expected[i])) return 'deltas differ from the upstream answer';
  return null;
}

/** Counts each distinct reason once per occurrence, for a readable failure message. */
export class Tally {
  readonly counts: Record<string, number> = {};

  add(reason: string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
  }

  get total(): number {
    return Object.values(this.counts).reduce((sum, n) => sum + n, 0);
  }
}
