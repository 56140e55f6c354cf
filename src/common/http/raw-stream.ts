import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * A streamed response written straight to the socket. Callers write each batch of frames as one
 * string (one socket write per upstream read) and wait for `drained()` when `write` says the
 * client reads slowly (backpressure). A keep-alive text is sent whenever nothing else was
 * written for `keepaliveMs`.
 */
export class RawStream {
  private readonly res: ServerResponse;
  private readonly keepalive: NodeJS.Timeout | null;

  private readonly writeTimeoutMs: number;

  constructor(
    reply: FastifyReply,
    contentType: string,
    options: { keepaliveMs?: number; keepaliveText?: string; writeTimeoutMs?: number; headers?: Record<string, string> } = {},
  ) {
    this.res = reply.raw;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 0;
    // Nest/Fastify's own reply is bypassed; headers set on it by hooks (CORS) are carried over.
    // Those already on the raw response (the security headers) stay there: writeHead would
    // validate and set each of them again.
    reply.hijack();
    const headers: Record<string, string> = {};
    const replyHeaders = reply.getHeaders() as Record<string, string>;
    for (const name in replyHeaders) if (this.res.getHeader(name) !== replyHeaders[name]) headers[name] = replyHeaders[name]!;
    Object.assign(headers, options.headers);
    headers['content-type'] = contentType;
    headers['cache-control'] = 'no-cache, no-transform';
    headers['x-accel-buffering'] = 'no';
    this.res.writeHead(200, headers);
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

  /** Writes; false when the socket buffer is full and the caller should wait for `drained()`. */
  write(text: string): boolean {
    if (!this.open) return true;
    this.keepalive?.refresh();
    return this.res.write(text);
  }

  /**
   * Resolves when the socket buffer has drained or the client has gone. A client that takes
   * nothing for `writeTimeoutMs` is disconnected: it may not hold the upstream stream (and its
   * reservation) open by not reading.
   */
  drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.open) return resolve();
      const timer = this.writeTimeoutMs > 0 ? setTimeout(() => this.res.destroy(), this.writeTimeoutMs) : null;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  /** Ends the response, after `text` if given: a response written whole (headers, body, end) leaves in one write. */
  end(text?: string): void {
    this.stopKeepalive();
    if (this.open) this.res.end(text);
  }

  /**
   * Resets the connection, so a client cannot mistake a cut answer for a complete one. What was
   * already written goes out first: a socket destroyed in the same tick as the first write
   * would lose the status line and the content sent so far.
   */
  destroy(): void {
    this.stopKeepalive();
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
