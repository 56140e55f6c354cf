import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';

/**
 * The transport both SDKs use (their `fetch` option): undici's `request` on one shared
 * keep-alive pool with no cap on connections per origin, so thousands of streams can be open
 * upstream at once. It skips what WHATWG fetch adds on the hot path (a web ReadableStream per
 * body, Request/Response objects): the SDKs keep doing auth, URLs and error mapping.
 */
const pool = new Agent({ connections: null, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });

/** The part of a fetch Response that the SDKs and the adapters read. */
export class UpstreamResponse {
  readonly headers: Headers;

  constructor(
    readonly status: number,
    rawHeaders: Dispatcher.ResponseData['headers'],
    readonly body: Dispatcher.ResponseData['body'],
    readonly url: string,
  ) {
    this.headers = new Headers();
    for (const [name, value] of Object.entries(rawHeaders)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) this.headers.append(name, item);
    }
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get statusText(): string {
    return '';
  }

  text(): Promise<string> {
    return this.body.text();
  }

  json(): Promise<unknown> {
    return this.body.json();
  }
}

interface FetchInit {
  method?: string;
  headers?: unknown;
  body?: unknown;
  signal?: AbortSignal | null;
}

export async function upstreamFetch(url: string | URL, init: FetchInit = {}): Promise<UpstreamResponse> {
  const target = String(url);
  const response = await request(target, {
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: toHeaderRecord(init.headers),
    body: init.body as string | undefined,
    signal: init.signal ?? undefined,
    dispatcher: pool,
  });
  return new UpstreamResponse(response.statusCode, response.headers, response.body, target);
}

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
