import { Writable } from 'node:stream';

/** A log destination that keeps every JSON line the gateway writes, parsed. */
export class CapturedLog extends Writable {
  readonly text: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text.push(...String(chunk).split('\n').filter((line) => line.length > 0));
    done();
  }

  /** Every line, parsed; throws on a line that is not JSON (the format is JSON lines). */
  get lines(): Array<Record<string, unknown>> {
    return this.text.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The `chat request` lines. */
  get chatRequests(): Array<Record<string, unknown>> {
    return this.lines.filter((line) => line.msg === 'chat request');
  }
}
