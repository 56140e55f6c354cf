// An upstream answer a unit spec drives by hand: batches arrive when the test sends them, and a
// read in progress fails the way the SDKs fail when the attempt's signal is aborted.
import type { UpstreamChunk } from '../../src/providers/provider-adapter.js';
import { UpstreamError } from '../../src/providers/upstream-error.js';

type Read = IteratorResult<UpstreamChunk[]> | { error: Error };

export class ControlledUpstream implements AsyncIterableIterator<UpstreamChunk[]> {
  private readonly arrived: Read[] = [];
  private waiting: ((read: Read) => void) | null = null;
  /** Reads asked for so far. */
  reads = 0;

  constructor(readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.fail(new UpstreamError('aborted', 'request aborted')), { once: true });
  }

  /** One network read's worth of frames. */
  send(...chunks: UpstreamChunk[]): void {
    this.deliver({ done: false, value: chunks });
  }

  /** The provider's end marker. */
  end(): void {
    this.deliver({ done: true, value: undefined });
  }

  fail(error: Error): void {
    this.deliver({ error });
  }

  /** Whether the consumer is waiting on a read right now. */
  get awaited(): boolean {
    return this.waiting !== null;
  }

  async next(): Promise<IteratorResult<UpstreamChunk[]>> {
    this.reads += 1;
    const read = this.arrived.shift() ?? (await new Promise<Read>((resolve) => (this.waiting = resolve)));
    if ('error' in read) throw read.error;
    return read;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private deliver(read: Read): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting(read);
    else this.arrived.push(read);
  }
}
