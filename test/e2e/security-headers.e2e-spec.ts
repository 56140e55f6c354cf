// Security headers (helmet, computed once) on every kind of answer: JSON, SSE, errors, the Swagger UI
// page; and what they must not change: streaming, CORS, the 413 shapes, upstream text kept out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Behaviour } from '../support/simulator/provider-simulator.js';
import { hello, model, postChat, startGateway, type Gateway } from '../support/gateway-harness.js';

const ALLOWED_ORIGIN = 'https://app.example';
const BODY_LIMIT_BYTES = 4096;
const MARKER = 'MARKER_upstream_internal_7f3a';
const PAUSE_MS = 500;

/** A 500 whose body (a message with a stack trace, a code) and a header carry the marker. */
const leakyServerError: Behaviour = {
  kind: 'error',
  status: 500,
  headers: { 'x-upstream-debug': MARKER },
  body: {
    error: {
      message: `Internal failure ${MARKER}\nError: ${MARKER}\n    at handler (/srv/upstream/app.js:12:7)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`,
      type: 'server_error',
      code: MARKER,
    },
  },
};

/** What a stack trace or a source location looks like, raw or JSON-escaped. */
const STACK_TRACES = [/(\n|\\n)\s*at /, /\.[cm]?[jt]s:\d+/, /node:internal/, /node_modules/];

function securityHeaders(response: Response) {
  const header = (name: string) => response.headers.get(name);
  return {
    'x-content-type-options': header('x-content-type-options'),
    'content-security-policy': header('content-security-policy'),
    'x-frame-options': header('x-frame-options'),
    'referrer-policy': header('referrer-policy'),
    'x-powered-by': header('x-powered-by'),
  };
}

const EXPECTED_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': expect.stringMatching(/^default-src 'self';.*frame-ancestors 'none'/),
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-powered-by': null,
};

function postCompletions(gateway: Gateway, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The body as it arrives: the first chunk, when it came, when the body ended. */
async function timedBody(response: Response): Promise<{ first: string; firstAt: number; endAt: number; text: string }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let first: string | undefined;
  let firstAt = 0;
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { first: first ?? '', firstAt, endAt: performance.now(), text };
    if (first === undefined) [first, firstAt] = [value, performance.now()];
    text += value;
  }
}

/** Status, headers and body as one string to search. */
async function everything(response: Response): Promise<string> {
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  return `${response.status}\n${headers}\n\n${await response.text()}`;
}

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({
    models: [model('groq', 'm'), model('groq', 'paused'), model('groq', 'broken'), model('cerebras', 'broken-too')],
    env: { ALLOWED_ORIGINS: ALLOWED_ORIGIN, BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) },
  });
  gateway.sim.setBehaviour('groq', 'paused', { kind: 'ok', content: ['Hi', ' there'], pauseAfterFirstTokenMs: PAUSE_MS });
  gateway.sim.setBehaviour('groq', 'broken', leakyServerError);
  gateway.sim.setBehaviour('cerebras', 'broken-too', leakyServerError);
});
afterAll(() => gateway.close());

describe('security headers', () => {
  it('are on every JSON endpoint, and Fastify/Nest announce nothing in x-powered-by', async () => {
    const paths = ['/', '/models', '/usage', '/health/live', '/health/ready', '/v1/models', '/docs-json'];
    const answers = [];
    for (const path of paths) {
      const response = await fetch(`${gateway.url}${path}`);
      await response.arrayBuffer();
      answers.push({ path, status: response.status, headers: securityHeaders(response) });
    }
    expect(answers).toEqual(paths.map((path) => ({ path, status: 200, headers: EXPECTED_SECURITY_HEADERS })));
  });

  it('are on errors, including requests refused before they reach a route', async () => {
    const refused = [
      await fetch(`${gateway.url}/nope`),
      await postChat(gateway, '{"messages": '),
      await postChat(gateway, { messages: [] }),
      await postChat(gateway, { ...hello, model: 'unknown' }),
    ];
    const answers = await Promise.all(refused.map(async (response) => ({ status: response.status, headers: securityHeaders(response), body: await response.json() })));
    expect(answers.map(({ status }) => status)).toEqual([404, 400, 400, 404]);
    for (const answer of answers) expect(answer.headers).toEqual(EXPECTED_SECURITY_HEADERS);
  });

  for (const [route, send] of [
    ['POST /chat', (body: object) => postChat(gateway, { ...body, model: 'paused' })],
    ['POST /v1/chat/completions', (body: object) => postCompletions(gateway, { ...body, model: 'paused', stream: true })],
  ] as const) {
    it(`are on an SSE answer of ${route}, which still streams each chunk as it comes`, async () => {
      const response = await send(hello);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(securityHeaders(response)).toEqual(EXPECTED_SECURITY_HEADERS);
      expect(response.headers.get('x-accel-buffering')).toBe('no');

      // The upstream pauses after its first token: that token must reach the client before the
      // pause ends, not with the rest of the answer.
      const { first, firstAt, endAt, text } = await timedBody(response);
      expect(first).toContain('"content":"Hi"');
      expect(text).toContain('"content":" there"');
      expect(endAt - firstAt).toBeGreaterThanOrEqual(PAUSE_MS - 100);
    });
  }

  it("let Swagger UI's page load: its scripts and styles are files on this origin, none inline", async () => {
    const response = await fetch(`${gateway.url}/docs`);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    const directive = (name: string) => new RegExp(`(?:^|;\\s*)${name} ([^;]*)`).exec(csp)?.[1];

    expect(response.status).toBe(200);
    expect(directive('script-src')).toBe("'self'");
    expect(directive('style-src')).toBe("'self' 'unsafe-inline'");
    // It would send the page's own scripts to https:// on a gateway served over plain HTTP.
    expect(csp).not.toContain('upgrade-insecure-requests');
    // script-src 'self' blocks inline scripts: the page must have none.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const assets = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\bhref)=["']([^"']+)["']/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      const url = new URL(asset, response.url);
      expect(url.origin).toBe(new URL(gateway.url).origin);
      const loaded = await fetch(url);
      await loaded.arrayBuffer();
      expect({ asset, status: loaded.status }).toEqual({ asset, status: 200 });
    }
  });
});

describe('CORS with helmet on (ALLOWED_ORIGINS)', () => {
  it('still allows the configured origin, on JSON and on a streamed answer, and exposes its headers', async () => {
    const json = await fetch(`${gateway.url}/models`, { headers: { origin: ALLOWED_ORIGIN } });
    const streamed = await postChat(gateway, { ...hello, model: 'm' }, { origin: ALLOWED_ORIGIN });
    for (const response of [json, streamed]) {
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(response.headers.get('access-control-expose-headers')).toBe('retry-after, x-request-id');
      await response.arrayBuffer();
    }
  });

  it('still refuses another origin and answers a preflight for the allowed one', async () => {
    const other = await fetch(`${gateway.url}/models`, { headers: { origin: 'https://other.example' } });
    await other.arrayBuffer();
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = await fetch(`${gateway.url}/chat`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

describe('a body over BODY_LIMIT_BYTES', () => {
  const oversized = { messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT_BYTES) }] };

  it('gets 413 payload_too_large in the gateway shape on /chat, with the security headers', async () => {
    const response = await postChat(gateway, oversized);
    expect(response.status).toBe(413);
    expect(securityHeaders(response)).toEqual(EXPECTED_SECURITY_HEADERS);
    expect(await response.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
  });

  it("gets 413 in OpenAI's shape on /v1/chat/completions, with the security headers", async () => {
    const response = await postCompletions(gateway, { ...oversized, model: 'm' });
    expect(response.status).toBe(413);
    expect(securityHeaders(response)).toEqual(EXPECTED_SECURITY_HEADERS);
    expect(await response.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', code: 'payload_too_large', param: null },
    });
  });
});

describe('an upstream 500 whose body and headers carry internal text', () => {
  const requests = [
    ['/chat SSE', () => postChat(gateway, { ...hello, model: 'broken' })],
    ['/chat text', () => postChat(gateway, { ...hello, model: 'broken' }, { accept: 'text/plain' })],
    ['/chat JSON', () => postChat(gateway, { ...hello, model: 'broken-too', stream: false })],
    ['/v1 stream', () => postCompletions(gateway, { ...hello, model: 'broken', stream: true })],
    ['/v1 JSON', () => postCompletions(gateway, { ...hello, model: 'broken-too' })],
  ] as const;

  it.each(requests)('never shows the marker nor a stack trace to the client (%s)', async (_name, send) => {
    const response = await send();
    const text = await everything(response);

    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(text).toMatch(/"code":"upstream_error"/);
    expect(text).not.toContain(MARKER);
    for (const trace of STACK_TRACES) expect(text).not.toMatch(trace);
  });
});
