// Requests written byte by byte to a socket, the way no HTTP client would: odd request lines,
// control characters and raw non-ASCII in the URL or headers, obs-folded and oversized headers,
// unknown expectations, connections dropped halfway. Node's parser rejects many of these before
// Fastify runs; the answer must still be the documented error, and the gateway must keep serving.
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Gateway } from '../../support/gateway-harness.js';
import { expectAlive, expectDocumentedAnswer, familyOf, send, sendBytes, startRoomyGateway } from './raw-http.js';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startRoomyGateway();
});
afterAll(() => gateway.close());
afterEach(() => expectAlive(gateway));

const method = fc.oneof(fc.constantFrom('GET', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'get', 'G\u00e9T', 'PRI', 'X', ''), fc.stringMatching(/^[A-Z]{1,10}$/));
const target = fc.oneof(
  fc.constantFrom('/', '/models', '/chat', '/v1/models', '/v1/chat/completions', '/health/live', '/docs-json', '*', 'http://other/models', '/v1/%zz'),
  fc.tuple(fc.constantFrom('/', '/v1/', '/models'), fc.string({ unit: 'binary-ascii', maxLength: 12 })).map(([base, tail]) => base + tail),
  fc.tuple(fc.constantFrom('/', '/v1/'), fc.string({ unit: 'grapheme', maxLength: 6 })).map(([base, tail]) => base + tail),
);
const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1 extra', 'http/1.1', 'HTTP/1', '');
const headerLine = fc.oneof(
  fc.constantFrom(
    'X-A: b',
    'X-Ctl: a\u0001b',
    'X-Nul: a\u0000b',
    'X-Del: a\u007fb',
    'Bad Name: x',
    'NoColon',
    ': empty-name',
    'X-Fold: a\r\n b',
    'X-Latin: caf\u00e9',
    'Expect: 100-continue',
    'Expect: teapot',
    'Expect: ',
    'Accept: \u00ff\u00fe',
    'Host: a',
    'Host: a\r\nHost: b',
    'Upgrade: h2c',
    'Connection: Upgrade, HTTP2-Settings',
    'Content-Type: application/json',
    'Accept-Encoding: gzip;q=\u0000',
    'X-Http-Method-Override: DELETE',
  ),
  fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ unit: 'binary-ascii', maxLength: 40 })).map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, ' ')}`),
  fc.integer({ min: 1_000, max: 20_000 }).map((length) => `X-Big: ${'a'.repeat(length)}`),
);

it('answers any request line and header soup with the documented error or a normal answer, never a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(method, target, version, fc.boolean(), fc.array(headerLine, { maxLength: 5 }), async (verb, url, http, host, lines) => {
      const head = [`${verb} ${url} ${http}`.trimEnd(), 'Connection: close', ...(host ? ['Host: gateway'] : []), ...lines].join('\r\n');
      const response = await sendBytes(gateway, Buffer.from(`${head}\r\n\r\n`, 'latin1'));
      const what = JSON.stringify(head).slice(0, 300);
      expect({ what, answered: response !== null }).toEqual({ what, answered: true });
      expectDocumentedAnswer(response!, familyOf(url), what, { head: verb === 'HEAD' });
    }),
    { numRuns: 400 },
  );
}, 60_000);

it('keeps serving after clients hang up anywhere in a request', async () => {
  const request = fc.constantFrom(
    'POST /chat HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\nContent-Length: 57\r\n\r\n{"messages":[{"role":"user","content":"Say hello."}]}    ',
    'POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3b\r\n{"model":"m","messages":[{"role":"user","content":"hi"}]}  \r\n0\r\n\r\n',
    'GET /models HTTP/1.1\r\nHost: g\r\nAccept: application/json\r\n\r\n',
  );
  await fc.assert(
    fc.asyncProperty(request, fc.nat(), fc.boolean(), async (text, at, reset) => {
      const cut = at % text.length;
      const { hostname, port } = new URL(gateway.url);
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(text.slice(0, cut), () => {
            if (reset) socket.resetAndDestroy();
            else socket.end();
          });
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
        socket.resume();
      });
      expect((await send(gateway, { path: '/health/live' })).status).toBe(200);
    }),
    { numRuns: 100 },
  );
}, 60_000);
