import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * A streamed response written straight to the socket: every write waits for `drain` when the
 * client reads slowly (backpressure), and a keep-alive text is sent whenever nothing else was
 * written for `keepaliveMs`. Writes made in the same tick (the frames of one upstream read) are
 * corked into one socket write.
 */
export class RawStream {
  private readonly res: ServerResponse;
  private readonly keepalive: NodeJS.Timeout | null;
  private corked = false;
  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.res.uncork();
  };

  constructor(reply: FastifyReply, contentType: string, options: { keepaliveMs?: number; keepaliveText?: string } = {}) {
    this.res = reply.raw;
    // Nest/Fastify's own reply is bypassed; headers set by hooks (CORS) are carried over.
    reply.hijack();
    this.res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': contentType,
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    const { keepaliveMs, keepaliveText } = options;
    this.keepalive =
      keepaliveMs && keepaliveText
        ? setInterval(() => {
            if (this.open) this.res.write(keepaliveText);
          }, keepaliveMs)
        : null;
    this.keepalive?.unref();
    this.res.once('close', () => this.stopKeepalive());
  }

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /** Writes and, if the socket buffer is full, waits until it drains or the client leaves. */
  async write(text: string): Promise<void> {
    if (!this.open) return;
    this.keepalive?.refresh();
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(this.uncork);
    }
    if (this.res.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  end(): void {
    this.stopKeepalive();
    this.uncork();
    if (this.open) this.res.end();
  }

  /**
   * Resets the connection, so a client cannot mistake a cut answer for a complete one. What was
   * already written goes out first: Node flushes corked writes on a later tick, and a socket
   * destroyed before that would lose the status line and the content sent so far.
   */
  destroy(): void {
    this.stopKeepalive();
    this.uncork();
    setImmediate(() => {
      const socket = this.res.socket;
      if (!socket || socket.writableLength === 0) return this.res.destroy();
      const cut = () => this.res.destroy();
      socket.once('drain', cut);
      // A client that stopped reading does not get to hold the connection open.
      setTimeout(cut, 1_000).unref();
    });
  }

  private stopKeepalive(): void {
    if (this.keepalive) clearInterval(this.keepalive);
  }
}

export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
