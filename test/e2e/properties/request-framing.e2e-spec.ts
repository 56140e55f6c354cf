// How a body arrives at POST /chat and POST /v1/chat/completions: any content type, empty,
// chunked, over BODY_LIMIT_BYTES, or many bad requests at once. Never a 5xx; errors in the
// route's shape; over the limit is always 413 payload_too_large.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../support/gateway-harness.js';
import { anyJson, invalidUtf8, mixedRequest } from './arbitraries.js';
import { expectAlive, expectDocumentedAnswer, familyOf, send, startRoomyGateway } from './raw-http.js';

const BODY_LIMIT_BYTES = 64 * 1024;
const say = [{ role: 'user', content: 'Say hello.' }];

const routes = [
  { path: '/chat', valid: { messages: say, stream: false } },
  { path: '/v1/chat/completions', valid: { model: 'm', messages: say } },
];

/** Media types Fastify has a parser for here; any other is 415. */
const parsed = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];
const mediaType = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();
const typed = (type: string | undefined): Record<string, string> => (type === undefined ? {} : { 'content-type': type });

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=UTF-8',
    'application/json;charset=utf-16',
    'application/json; charset=latin1',
    'application/json; charset="utf-8"',
    'application/json; charset=',
    'application/json;;;',
    'application/json; a=b; c=d',
    'Application/JSON',
    'APPLICATION/JSON; CHARSET=UTF-8',
    ' application/json',
    'application/json ',
    'text/plain',
    'text/plain; charset=utf-8',
    'text/plain; charset=ebcdic',
    'application/x-www-form-urlencoded',
    'multipart/form-data',
    'multipart/form-data; boundary=x',
    'application/vnd.api+json',
    'application/problem+json',
    'application/jsonx',
    'application/xml',
    'text/json',
    'application/octet-stream',
    'text/event-stream',
    '*/*',
    'application/*',
    '',
    ';',
    'garbage',
  ),
  fc.stringMatching(/^[a-z]{1,8}\/[a-z+.-]{1,12}(; ?[a-z]{1,6}=[a-z0-9-]{0,8}){0,3}$/),
);

const body = fc.oneof(
  fc.constantFrom(...routes.map((route) => Buffer.from(JSON.stringify(route.valid)))),
  anyJson.map((value) => Buffer.from(JSON.stringify(value))),
  mixedRequest('openai', []).map((value) => Buffer.from(JSON.stringify(value))),
  fc.string().map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom('a=1&b=2', 'messages=hi', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n', '<a/>').map((text) => Buffer.from(text)),
  invalidUtf8.map((bytes) => Buffer.from(bytes)),
);

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startRoomyGateway({ BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });
});
afterAll(() => gateway.close());
afterEach(() => expectAlive(gateway));

describe.each(routes)('POST $path', ({ path, valid }) => {
  const family = familyOf(path);

  it('answers any body under any content type without a 5xx; a type without a parser is 415 unsupported_media_type', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(contentType, { nil: undefined }), body, fc.boolean(), async (type, bytes, chunked) => {
        const response = await send(gateway, { method: 'POST', path, headers: typed(type), body: bytes, chunked });
        const error = expectDocumentedAnswer(response, family, `${JSON.stringify(type)} ${bytes.toString('hex').slice(0, 200)}`);
        expect(response.status).toBeLessThan(500);
        if (bytes.length === 0 || parsed.includes(mediaType(type ?? ''))) return;
        expect({ type, status: response.status, code: error?.code }).toEqual({ type, status: 415, code: 'unsupported_media_type' });
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it('serves a valid body sent as application/json with any parameters, in any letter case', async () => {
    const params = fc.array(fc.constantFrom('; charset=utf-8', '; charset=UTF-8', ';charset=utf8', '; q=1', ';', '; a="b"'), { maxLength: 3 });
    const casing = fc.constantFrom((text: string) => text, (text: string) => text.toUpperCase(), (text: string) => text.replace('json', 'JSON'));
    await fc.assert(
      fc.asyncProperty(params, casing, fc.boolean(), async (extra, toCase, chunked) => {
        const type = toCase(`application/json${extra.join('')}`);
        const response = await send(gateway, { method: 'POST', path, headers: { 'content-type': type }, body: JSON.stringify(valid), chunked });
        expect({ type, status: response.status }).toEqual({ type, status: 200 });
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('refuses an empty body, however it is framed and typed, with a 400 or 415 in the route shape', async () => {
    const framing = fc.constantFrom('content-length: 0', 'chunked', 'no body');
    await fc.assert(
      fc.asyncProperty(fc.option(contentType, { nil: undefined }), framing, async (type, frame) => {
        const body = frame === 'no body' ? undefined : Buffer.alloc(0);
        const response = await send(gateway, { method: 'POST', path, headers: typed(type), body, chunked: frame === 'chunked' });
        const error = expectDocumentedAnswer(response, family, `${JSON.stringify(type)} ${frame}`);
        expect([400, 415]).toContain(response.status);
        if (mediaType(type ?? '') !== 'application/json') return;
        expect(error?.code).toBe('invalid_json');
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('refuses a body over BODY_LIMIT_BYTES with 413 payload_too_large, and takes one within it', async () => {
    const size = fc.oneof(fc.integer({ min: BODY_LIMIT_BYTES - 64, max: BODY_LIMIT_BYTES + 64 }), fc.integer({ min: 1_000, max: BODY_LIMIT_BYTES * 3 }));
    const type = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded');
    await fc.assert(
      fc.asyncProperty(size, type, fc.boolean(), async (bytes, contentTypeValue, chunked) => {
        // A valid request padded with a long message to exactly `bytes` bytes.
        const shell = Buffer.byteLength(JSON.stringify({ ...valid, messages: [{ role: 'user', content: '' }] }));
        const payload = JSON.stringify({ ...valid, messages: [{ role: 'user', content: 'x'.repeat(Math.max(1, bytes - shell)) }] });
        const response = await send(gateway, { method: 'POST', path, headers: { 'content-type': contentTypeValue }, body: payload, chunked });
        const error = expectDocumentedAnswer(response, family, `${payload.length} bytes of ${contentTypeValue}${chunked ? ', chunked' : ''}`);
        // Within the limit, JSON is served; text and form bodies are not a chat request.
        const expected =
          Buffer.byteLength(payload) > BODY_LIMIT_BYTES
            ? { status: 413, code: 'payload_too_large' }
            : contentTypeValue === 'application/json'
              ? { status: 200, code: undefined }
              : { status: 400, code: 'validation_failed' };
        expect({ status: response.status, code: error?.code }).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

it('answers bursts of bad and good requests sent at once, to every route, without a 5xx', async () => {
  const one = fc.record({
    route: fc.constantFrom(...routes),
    type: fc.option(contentType, { nil: undefined }),
    bytes: body,
    chunked: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(one, { minLength: 10, maxLength: 30 }), async (requests) => {
      const responses = await Promise.all(
        requests.map(({ route, type, bytes, chunked }) =>
          send(gateway, { method: 'POST', path: route.path, headers: typed(type), body: bytes, chunked }),
        ),
      );
      responses.forEach((response, index) => expectDocumentedAnswer(response, familyOf(requests[index]!.route.path)));
      expect(responses.filter((response) => response.status >= 500)).toEqual([]);
      await expectAlive(gateway);
    }),
    { numRuns: 15 },
  );
}, 60_000);
