import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamAnomalyKind } from './upstream-anomalies.js';
import { MAX_ERROR_BODY_BYTES, MAX_LIST_BODY_BYTES, UpstreamHeaders, createUpstreamFetch } from './upstream-fetch.js';

/** Serves `/small` (a short JSON error) and `/huge` (64 MiB of JSON-looking text), recording whether /huge was written to the end. */
let server: Server;
let origin: string;
const huge = { finished: false, closedEarly: false };

async function writeHuge(res: ServerResponse): Promise<void> {
  res.writeHead(500, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  res.write('{"error":{"message":"');
  for (let i = 0; i < 1024; i++) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  res.end('"}}', () => (huge.finished = true));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/small') {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'rate_limit_exceeded', message: 'é' } }));
      return;
    }
    res.once('close', () => (huge.closedEarly = !res.writableFinished));
    void writeHuge(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('upstreamFetch', () => {
  it('reads a small error body whole, as text and as JSON, reporting nothing', async () => {
    const kinds: UpstreamAnomalyKind[] = [];
    const fetch = createUpstreamFetch((kind) => kinds.push(kind));
    expect(JSON.parse(await (await fetch(`${origin}/small`)).text())).toEqual({ error: { code: 'rate_limit_exceeded', message: 'é' } });
    expect(await (await fetch(`${origin}/small`)).json()).toEqual({ error: { code: 'rate_limit_exceeded', message: 'é' } });
    expect(kinds).toEqual([]);
  });

  it('reads at most MAX_ERROR_BODY_BYTES of a huge error body, abandons the rest and reports it', async () => {
    const kinds: UpstreamAnomalyKind[] = [];
    const response = await createUpstreamFetch((kind) => kinds.push(kind))(`${origin}/huge`, { method: 'POST' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text.length).toBe(MAX_ERROR_BODY_BYTES);
    expect(text.startsWith('{"error":{"message":"aaa')).toBe(true);
    expect(kinds).toEqual(['oversized_error_body']);
    await expect.poll(() => huge.closedEarly, { timeout: 2_000 }).toBe(true);
    expect(huge.finished).toBe(false);
  });

  it('refuses to parse a huge body as JSON', async () => {
    const kinds: UpstreamAnomalyKind[] = [];
    const response = await createUpstreamFetch((kind) => kinds.push(kind))(`${origin}/huge`, { method: 'POST' });
    await expect(response.json()).rejects.toThrow(/larger than 65536 bytes/);
    expect(kinds).toEqual(['oversized_error_body']);
  });

  it("reads a GET's body (a model list) up to MAX_LIST_BODY_BYTES, and no further", async () => {
    const kinds: UpstreamAnomalyKind[] = [];
    const response = await createUpstreamFetch((kind) => kinds.push(kind))(`${origin}/huge`);
    expect((await response.text()).length).toBe(MAX_LIST_BODY_BYTES);
    expect(kinds).toEqual(['oversized_error_body']);
  });

  it('leaves out the request headers it is told to (a keyless provider gets no Authorization)', async () => {
    const seen: Array<string | undefined> = [];
    const echo = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end('{}');
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/`;
    try {
      await (await createUpstreamFetch(undefined, ['authorization'])(url, { headers: { Authorization: 'Bearer none' } })).text();
      await (await createUpstreamFetch()(url, { headers: { Authorization: 'Bearer k' } })).text();
    } finally {
      echo.closeAllConnections();
      await new Promise((resolve) => echo.close(resolve));
    }
    expect(seen).toEqual([undefined, 'Bearer k']);
  });
});

describe('UpstreamHeaders', () => {
  // undici's parsed headers: lower-case names, a repeated header as an array.
  const raw = { 'content-type': 'text/event-stream', 'set-cookie': ['a=1', 'b=2'], 'x-ratelimit-remaining-requests': '9' };
  const headers = new UpstreamHeaders(raw);

  it('reads like WHATWG Headers: any case, repeated values joined, absent as null', () => {
    const reference = new Headers([['content-type', 'text/event-stream'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-ratelimit-remaining-requests', '9']]);
    for (const name of ['Content-Type', 'set-cookie', 'X-RateLimit-Remaining-Requests', 'retry-after']) {
      expect({ name, value: headers.get(name), has: headers.has(name) }).toEqual({ name, value: reference.get(name), has: reference.has(name) });
    }
    expect([...headers]).toEqual([
      ['content-type', 'text/event-stream'],
      ['set-cookie', 'a=1, b=2'],
      ['x-ratelimit-remaining-requests', '9'],
    ]);
    const seen: string[] = [];
    headers.forEach((value, name) => seen.push(`${name}=${value}`));
    expect(seen).toEqual(['content-type=text/event-stream', 'set-cookie=a=1, b=2', 'x-ratelimit-remaining-requests=9']);
  });

  it("does not answer with Object.prototype's members for a header nobody sent", () => {
    expect(headers.get('constructor')).toBeNull();
    expect(headers.has('toString')).toBe(false);
  });
});
