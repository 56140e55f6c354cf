import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { AnomalySink } from './upstream-anomalies.js';

/**
 * The most of a body the SDKs may read through `text()` / `json()`: only error bodies are read
 * that way (a stream's body is decoded by the adapter, bounded by MAX_SSE_FRAME_BYTES). A real
 * error body is well under 1 KiB; past 64 KiB the rest is not read and the connection is dropped.
 */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * The most of a GET's body that is read: a model list (OpenRouter's, with every model described,
 * is a few MiB); past it the list is refused.
 */
export const MAX_LIST_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The transport both SDKs use (their `fetch` option): undici's `request` on one shared
 * keep-alive pool with no cap on connections per origin, so thousands of streams can be open
 * upstream at once. It skips what WHATWG fetch adds on the hot path (a web ReadableStream per
 * body, Request/Response objects): the SDKs keep doing auth, URLs and error mapping.
 */
const pool = new Agent({ connections: null, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });

/**
 * A response's headers as the SDKs and the adapters read them (`get`, `has`, `entries`,
 * `forEach`, iteration), over undici's parsed header object. WHATWG `Headers` would check and
 * copy every name and value of every response; undici has already parsed them, with lower-case
 * names, and nothing here writes to them.
 */
export class UpstreamHeaders implements Iterable<[string, string]> {
  constructor(private readonly raw: Dispatcher.ResponseData['headers']) {}

  get(name: string): string | null {
    const value = this.value(name);
    return value === undefined ? null : joined(value);
  }

  has(name: string): boolean {
    return this.value(name) !== undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const [name, value] of Object.entries(this.raw)) {
      if (value !== undefined) yield [name, joined(value)];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.raw)) {
      const value = this.raw[name];
      if (value !== undefined) callback(joined(value), name);
    }
  }

  /** Own keys only: a header named `constructor` is not Object.prototype's. */
  private value(name: string): string | string[] | undefined {
    const key = name.toLowerCase();
    return Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
  }
}

/** A repeated header's values as one, the way WHATWG `Headers.get` joins them. */
function joined(value: string | string[]): string {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The part of a fetch Response that the SDKs and the adapters read. */
export class UpstreamResponse {
  readonly headers: UpstreamHeaders;

  constructor(
    readonly status: number,
    rawHeaders: Dispatcher.ResponseData['headers'],
    readonly body: Dispatcher.ResponseData['body'],
    readonly url: string,
    private readonly anomaly: AnomalySink = () => undefined,
    private readonly maxBodyBytes = MAX_ERROR_BODY_BYTES,
  ) {
    this.headers = new UpstreamHeaders(rawHeaders);
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get statusText(): string {
    return '';
  }

  /** At most `maxBodyBytes` of the body, as text; a longer body is cut there. */
  async text(): Promise<string> {
    return (await this.boundedText()).text;
  }

  /** The body as JSON; a body longer than `maxBodyBytes` is refused unparsed. */
  async json(): Promise<unknown> {
    const { text, cut } = await this.boundedText();
    if (cut) throw new Error(`response body larger than ${this.maxBodyBytes} bytes`);
    return JSON.parse(text) as unknown;
  }

  /** Reads up to the limit, then abandons the rest (destroying the body closes the connection). */
  private async boundedText(): Promise<{ text: string; cut: boolean }> {
    const chunks: Buffer[] = [];
    let length = 0;
    let cut = false;
    for await (const chunk of this.body as AsyncIterable<Buffer>) {
      const room = this.maxBodyBytes - length;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        cut = true;
        break; // ends the iteration, which destroys the body
      }
      chunks.push(chunk);
      length += chunk.length;
    }
    if (cut) {
      this.body.destroy();
      this.anomaly('oversized_error_body');
    }
    return { text: new TextDecoder().decode(Buffer.concat(chunks)), cut };
  }
}

interface FetchInit {
  method?: string;
  headers?: unknown;
  body?: unknown;
  signal?: AbortSignal | null;
}

export type UpstreamFetch = (url: string | URL, init?: FetchInit) => Promise<UpstreamResponse>;

/**
 * The SDKs' `fetch`; what it refuses to read (an oversized error body) goes to `anomaly`.
 * `withoutHeaders` (lower case): request headers the SDK sets that must not be sent.
 */
export function createUpstreamFetch(anomaly?: AnomalySink, withoutHeaders: readonly string[] = []): UpstreamFetch {
  return async (url, init = {}) => {
    const target = String(url);
    const headers = toHeaderRecord(init.headers);
    for (const name of Object.keys(headers)) if (withoutHeaders.includes(name.toLowerCase())) delete headers[name];
    const method = (init.method ?? 'GET') as Dispatcher.HttpMethod;
    const response = await request(target, {
      method,
      headers,
      body: init.body as string | undefined,
      signal: init.signal ?? undefined,
      dispatcher: pool,
    });
    // A POST's body is an error's (a stream is decoded by the adapter); a GET's may be a whole model list.
    return new UpstreamResponse(response.statusCode, response.headers, response.body, target, anomaly, method === 'GET' ? MAX_LIST_BODY_BYTES : MAX_ERROR_BODY_BYTES);
  };
}

export const upstreamFetch: UpstreamFetch = createUpstreamFetch();

/** Groq passes WHATWG Headers, Cerebras a plain object. */
function toHeaderRecord(headers: unknown): Record<string, string> {
  if (!headers) return {};
  const record: Record<string, string> = {};
  if (typeof (headers as Headers).forEach === 'function' && !(headers instanceof Array)) {
    (headers as Headers).forEach((value, name) => {
      record[name] = value;
    });
    return record;
  }
  for (const [name, value] of Object.entries(headers as Record<string, string | number | undefined | null>)) {
    if (value !== undefined && value !== null) record[name] = String(value);
  }
  return record;
}
