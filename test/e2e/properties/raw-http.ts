// Raw HTTP for the bad-input properties: bodies as bytes (invalid UTF-8 included), any headers
// Node's client accepts, or a whole request written to a socket; and the checks every answer must pass.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'vitest';
import { model, startGateway, type Gateway } from '../../support/gateway-harness.js';

/** No answer within this long counts as a hang. */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * A gateway with one model `m` whose limits, and the provider's reported ones, no property run
 * comes near: a valid request is answered by the simulator, never refused with 429.
 */
export async function startRoomyGateway(env: Record<string, string> = {}): Promise<Gateway> {
  const limits = { requestsPerMinute: 1_000_000, requestsPerDay: 10_000_000, tokensPerMinute: 1_000_000_000, tokensPerDay: 10_000_000_000 };
  const gateway = await startGateway({ models: [model('groq', 'm', { limits })], env });
  gateway.sim.setRateLimitHeaders('groq', 'm', { 'x-ratelimit-remaining-requests': '1000', 'x-ratelimit-remaining-tokens': '8000' });
  return gateway;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Send the body with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
}

/** One request on its own connection, the body sent as the exact bytes given. */
export function send(gateway: Gateway, { method = 'GET', path, headers = {}, body, chunked = false }: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(gateway.url);
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const framing: Record<string, string> =
    bytes === undefined ? {} : chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(bytes.length) };
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({ hostname, port, method, path, headers: { ...framing, ...headers }, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The gateway may answer (413) and close before it has read the whole body: the answer counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.setTimeout(ANSWER_TIMEOUT_MS, () => req.destroy(new Error(`no answer to ${method} ${path} within ${ANSWER_TIMEOUT_MS} ms`)));
    if (bytes !== undefined && bytes.length > 0) req.write(bytes);
    req.end();
  });
}

/**
 * Writes `bytes` to a fresh socket and reads until the gateway closes it (the request should say
 * `Connection: close`). Returns the first response, parsed loosely; `null` when none came.
 */
export function sendBytes(gateway: Gateway, bytes: Uint8Array | string): Promise<RawResponse | null> {
  const { hostname, port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(parseResponse(Buffer.concat(chunks).toString('latin1'))));
    socket.setTimeout(ANSWER_TIMEOUT_MS, () => {
      socket.destroy();
      reject(new Error(`the connection stayed open ${ANSWER_TIMEOUT_MS} ms after the request`));
    });
  });
}

function parseResponse(raw: string): RawResponse | null {
  // An interim 100 Continue may come first.
  const response = raw.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
  const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(response);
  if (!match) return null;
  const headers: Record<string, string> = {};
  for (const line of match[2]!.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = match[3]!;
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  return { status: Number(match[1]), headers, text: Buffer.from(body, 'latin1').toString('utf8') };
}

function unchunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const end = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, end), 16);
    if (end < 0 || !(size > 0)) return out;
    out += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 4 + size);
  }
}

export type RouteFamily = 'gateway' | 'openai';

/** The error shape a path gets: OpenAI's under /v1/, the gateway's own elsewhere. */
export function familyOf(path: string): RouteFamily {
  return path.startsWith('/v1/') ? 'openai' : 'gateway';
}

/** The codes each status may carry; anything else is not a stable, documented code. */
const CODES_BY_STATUS: Record<number, readonly string[]> = {
  400: ['validation_failed', 'invalid_json', 'bad_request'],
  403: ['forbidden'],
  404: ['not_found', 'model_not_found'],
  413: ['payload_too_large', 'request_too_large'],
  415: ['unsupported_media_type'],
  417: ['expectation_failed'],
  429: ['rate_limited'],
  431: ['headers_too_large'],
};

const LEAKS = [process.cwd(), 'node_modules', 'node:internal', 'file://', /\n\s*at /, /\b[A-Z]\w*Error: /, /\.[jt]s:\d+/];

export interface ErrorSummary {
  code: string;
  message: string;
  /** `details.fields[].field` (gateway shape) or `param` (OpenAI shape). */
  fields: string[];
}

/**
 * What every answer to a bad request must be: no 5xx; a non-2xx is JSON in the documented shape
 * of its route family with a code from the documented set, and shows nothing of the internals.
 * Returns the error (null for a 2xx, or for the body-less answer to HEAD).
 */
export function expectDocumentedAnswer(response: RawResponse, family: RouteFamily, what = '', { head = false } = {}): ErrorSummary | null {
  const { problems, error } = inspect(response, family, head);
  // The request and the answer travel with the problems, so a failure shows all three.
  expect(problems.length === 0 ? [] : { what, status: response.status, body: response.text.slice(0, 500), problems }).toEqual([]);
  return error;
}

function inspect(response: RawResponse, family: RouteFamily, head: boolean): { problems: string[]; error: ErrorSummary | null } {
  const { status, text } = response;
  if (status >= 200 && status < 300) return { problems: [], error: null };
  if (status < 400 || status >= 500) return { problems: [`status ${status}`], error: null };
  const problems: string[] = [];
  if (!/^application\/json\b/.test(String(response.headers['content-type']))) problems.push(`content-type ${String(response.headers['content-type'])}`);
  if (head) return { problems, error: null };
  for (const leak of LEAKS) {
    if (typeof leak === 'string' ? text.includes(leak) : leak.test(text)) problems.push(`shows ${leak}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problems: [...problems, 'body is not JSON'], error: null };
  }
  const shapeOk = (keys: string[], allowed: string[], required: string[]) =>
    keys.every((key) => allowed.includes(key)) && required.every((key) => keys.includes(key));
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (typeof error !== 'object' || error === null || Object.keys(body as object).length !== 1) {
    return { problems: [...problems, 'not { error: {...} }'], error: null };
  }
  let summary: ErrorSummary;
  if (family === 'openai') {
    const keys = ['code', 'message', 'param', 'type'];
    if (!shapeOk(Object.keys(error), keys, keys)) problems.push(`OpenAI error keys ${Object.keys(error).join(', ')}`);
    if (typeof error.type !== 'string' || !/^[a-z_]+$/.test(error.type)) problems.push(`type ${JSON.stringify(error.type)}`);
    if (error.param !== null && typeof error.param !== 'string') problems.push(`param ${JSON.stringify(error.param)}`);
    summary = { code: error.code as string, message: error.message as string, fields: typeof error.param === 'string' ? [error.param] : [] };
  } else {
    if (!shapeOk(Object.keys(error), ['code', 'message', 'details'], ['code', 'message'])) problems.push(`error keys ${Object.keys(error).join(', ')}`);
    if (error.details !== undefined && (typeof error.details !== 'object' || error.details === null)) problems.push('details is not an object');
    const fields = (error.details as { fields?: Array<{ field: string }> } | undefined)?.fields;
    summary = { code: error.code as string, message: error.message as string, fields: fields?.map((entry) => entry.field) ?? [] };
  }
  if (typeof summary.code !== 'string' || !(CODES_BY_STATUS[status] ?? []).includes(summary.code)) {
    problems.push(`code ${JSON.stringify(summary.code)} is not one documented for ${status}`);
  }
  if (typeof summary.message !== 'string' || summary.message.length === 0) problems.push('no message');
  return { problems, error: summary };
}

/** The process still answers: nothing above crashed it or wedged its event loop. */
export async function expectAlive(gateway: Gateway): Promise<void> {
  const response = await send(gateway, { path: '/health/live' });
  expect(response.status).toBe(200);
  expect(JSON.parse(response.text)).toEqual({ status: 'ok' });
}
