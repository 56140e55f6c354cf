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
    // Fastify's reply is bypassed; headers set on it (reply.header) are carried over. Those
    // already on the raw response (the security headers) stay there: writeHead keeps them.
    reply.hijack();
    const headers: Record<string, string | string[]> = { ...ownHeadersOf(reply), ...options.headers };
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

let replyHeadersKey: symbol | null | undefined;

/**
 * The headers set on a reply with reply.header, which Fastify keeps apart from the raw response's
 * until it sends. Read from Fastify's own store when it can be found: reply.getHeaders() would
 * copy the raw response's too, on every streamed response.
 */
export function ownHeadersOf(reply: FastifyReply): Record<string, string | string[]> {
  replyHeadersKey ??= Object.getOwnPropertySymbols(reply).find((symbol) => symbol.description === 'fastify.reply.headers') ?? null;
  const own = replyHeadersKey ? (reply as unknown as Record<symbol, unknown>)[replyHeadersKey] : undefined;
  if (typeof own === 'object' && own !== null) return own as Record<string, string | string[]>;
  const all = reply.getHeaders();
  const res = reply.raw;
  const headers: Record<string, string | string[]> = {};
  for (const name in all) if (res.getHeader(name) !== all[name]) headers[name] = all[name] as string | string[];
  return headers;
}

export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
