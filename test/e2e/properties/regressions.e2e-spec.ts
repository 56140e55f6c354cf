// Fixed examples of what the bad-input properties found, one per finding, so each stays fixed
// whatever seed the properties run with.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_DEPTH } from '../../../src/common/http/body-shape.pipe.js';
import type { Gateway } from '../../support/gateway-harness.js';
import { expectAlive, expectDocumentedAnswer, send, sendBytes, startRoomyGateway, type RawResponse } from './raw-http.js';

const say = [{ role: 'user', content: 'Say hello.' }];

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startRoomyGateway();
});
afterAll(() => gateway.close());
afterEach(() => expectAlive(gateway));

function post(path: string, body: string): Promise<RawResponse> {
  return send(gateway, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body });
}

/** `levels` nested arrays around 0. */
const arrays = (levels: number) => `${'['.repeat(levels)}0${']'.repeat(levels)}`;

describe('deeply nested bodies (were 500 internal_error: the stack overflowed in class-transformer)', () => {
  it.each([
    ['the whole /chat body', '/chat', arrays(10_000), '0'],
    ['/chat messages', '/chat', `{"messages":${arrays(10_000)}}`, 'messages'],
    ['a /chat message content', '/chat', `{"messages":[{"role":"user","content":${arrays(2_000)}}]}`, 'messages'],
    ['an unknown /chat field', '/chat', `{"messages":${JSON.stringify(say)},"x":${'{"a":'.repeat(3_000)}0${'}'.repeat(3_000)}}`, 'x'],
    ['a /v1 JSON schema', '/v1/chat/completions', `{"model":"m","messages":${JSON.stringify(say)},"response_format":{"type":"json_schema","json_schema":${arrays(5_000)}}}`, 'response_format'],
    ['/v1 stream_options', '/v1/chat/completions', `{"model":"m","messages":${JSON.stringify(say)},"stream_options":${arrays(10_000)}}`, 'stream_options'],
  ])('refuses %s nested thousands of levels deep with 400 validation_failed naming the field', async (_name, path, body, field) => {
    const response = await post(path, body);
    const error = expectDocumentedAnswer(response, path.startsWith('/v1/') ? 'openai' : 'gateway');
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ code: 'validation_failed', fields: [field] });
    expect(error?.message).toContain(`nested more than ${MAX_BODY_DEPTH} levels deep`);
  });

  it(`serves a JSON schema that brings the body to exactly ${MAX_BODY_DEPTH} levels, and refuses one more`, async () => {
    // body > response_format > json_schema > arrays
    const body = (levels: number) => `{"model":"m","messages":${JSON.stringify(say)},"response_format":{"type":"json_schema","json_schema":{"schema":${arrays(levels)}}}}`;
    expect((await post('/v1/chat/completions', body(MAX_BODY_DEPTH - 3))).status).toBe(200);
    expect((await post('/v1/chat/completions', body(MAX_BODY_DEPTH - 2))).status).toBe(400);
  });
});

describe('property names validation drops (constructor, prototype, toString, ...: were silently ignored, or removed before reaching the provider)', () => {
  // As JSON text: TypeScript will not type an object literal whose toString is a number.
  const hello = JSON.stringify(say);
  it.each([
    { path: '/chat', body: `{"messages":${hello},"stream":false,"toString":1}`, field: 'toString' },
    { path: '/chat', body: `{"messages":${hello},"stream":false,"constructor":"x"}`, field: 'constructor' },
    { path: '/chat', body: '{"messages":[{"role":"user","content":"hi","valueOf":{}}],"stream":false}', field: 'messages.0.valueOf' },
    { path: '/chat', body: `{"messages":${hello},"stream":false,"prototype":0}`, field: 'prototype' },
    { path: '/v1/chat/completions', body: '{"model":"m","messages":[{"role":"user","content":"hi","prototype":0}]}', field: 'messages.0.prototype' },
    { path: '/v1/chat/completions', body: `{"model":"m","messages":${hello},"hasOwnProperty":[]}`, field: 'hasOwnProperty' },
    {
      path: '/v1/chat/completions',
      body: `{"model":"m","messages":${hello},"stream_options":{"include_usage":true,"__lookupGetter__":1}}`,
      field: 'stream_options.__lookupGetter__',
    },
    { path: '/chat', body: `{"messages":${hello},"stream":false,"":{"toString":1}}`, field: '.toString' },
  ])('POST $path answers 400 validation_failed naming $field', async ({ path, body, field }) => {
    const upstreamBefore = gateway.sim.requests.length;
    const response = await post(path, body);
    const error = expectDocumentedAnswer(response, path.startsWith('/v1/') ? 'openai' : 'gateway');
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ code: 'validation_failed', fields: [field] });
    expect(gateway.sim.requests.length).toBe(upstreamBefore);
  });

  it('refuses a JSON schema property named constructor or toString rather than sending the provider a schema without it', async () => {
    const schema = { type: 'object', properties: { constructor: { type: 'string' }, team: { type: 'string' } } };
    const response = await post('/v1/chat/completions', JSON.stringify({ model: 'm', messages: say, response_format: { type: 'json_schema', json_schema: { name: 'f1', schema } } }));
    const error = expectDocumentedAnswer(response, 'openai');
    expect(response.status).toBe(400);
    expect(error?.fields).toEqual(['response_format.json_schema.schema.properties.constructor']);
  });
});

describe('a body Fastify refuses, sent to no route (was 400 invalid_json: the body is parsed before the not-found handler runs)', () => {
  it.each([
    ['a "__proto__" key', '{"__proto__":[]}'],
    ['malformed JSON', '{"a":'],
  ])('answers %s on an unknown route with 404 not_found, in the shape of the path', async (_name, body) => {
    for (const [method, path, family] of [
      ['DELETE', '/', 'gateway'],
      ['PUT', '/nothing', 'gateway'],
      ['POST', '/v1/nothing', 'openai'],
    ] as const) {
      const response = await send(gateway, { method, path, headers: { 'content-type': 'application/json' }, body });
      const error = expectDocumentedAnswer(response, family);
      expect({ method, path, status: response.status, code: error?.code }).toEqual({ method, path, status: 404, code: 'not_found' });
    }
  });

  it('still answers a refused body on a route with 400 invalid_json', async () => {
    const response = await post('/chat', '{"__proto__":[]}');
    expect({ status: response.status, code: expectDocumentedAnswer(response, 'gateway')?.code }).toEqual({ status: 400, code: 'invalid_json' });
  });
});

describe('a "__proto__" key inside a bad field (the parser refuses it before validation, so the bad-field property must not generate one)', () => {
  it.each([
    { path: '/chat', where: 'model', body: `{"messages":${JSON.stringify(say)},"stream":false,"model":[{"__proto__":false}]}` },
    { path: '/v1/chat/completions', where: 'an unknown message field', body: '{"model":"m","messages":[{"role":"user","content":"Say hello.","":{"__proto__":null}}]}' },
    { path: '/v1/chat/completions', where: 'an unknown field', body: `{"model":"m","messages":${JSON.stringify(say)},"":{"__proto__":0}}` },
  ])('POST $path with one in $where answers 400 invalid_json and reaches no provider', async ({ path, body }) => {
    const upstreamBefore = gateway.sim.requests.length;
    const response = await post(path, body);
    const error = expectDocumentedAnswer(response, path.startsWith('/v1/') ? 'openai' : 'gateway');
    expect(response.status).toBe(400);
    expect(error?.code).toBe('invalid_json');
    expect(gateway.sim.requests.length).toBe(upstreamBefore);
  });
});

describe('response_format and stream_options as arrays (were accepted, and the array sent to the provider)', () => {
  it.each([
    ['response_format', [{ type: 'text' }]],
    ['response_format', []],
    ['stream_options', []],
    ['stream_options', [{ include_usage: true }]],
  ])('refuses %s: %j with 400 naming it', async (field, value) => {
    const response = await post('/v1/chat/completions', JSON.stringify({ model: 'm', messages: say, stream: true, [field]: value }));
    const error = expectDocumentedAnswer(response, 'openai');
    expect(response.status).toBe(400);
    expect(error?.code).toBe('validation_failed');
    expect(error?.fields[0]).toBe(field);
  });
});

describe('malformed URLs (were 400 in Fastify\'s own shape, with code FST_ERR_BAD_URL)', () => {
  it.each([
    ['/%', 'gateway'],
    ['/models/%zz', 'gateway'],
    ['/v1/%zz', 'openai'],
    ['/v1/chat/completions%', 'openai'],
  ] as const)('GET %s answers 400 bad_request in the %s shape', async (path, family) => {
    const response = await send(gateway, { path });
    const error = expectDocumentedAnswer(response, family);
    expect(response.status).toBe(400);
    expect(error?.code).toBe('bad_request');
  });
});

describe('requests Node\'s HTTP parser rejects (were answered in Fastify\'s shape {"error":"Bad Request","message":"Client Error"})', () => {
  it.each([
    { name: 'a control character in a header value', request: 'GET /health/live HTTP/1.1\r\nHost: g\r\nX-A: a\u0001b\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'an obs-folded header', request: 'GET /models HTTP/1.1\r\nHost: g\r\nX-A: a\r\n b\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'a non-numeric Content-Length', request: 'POST /chat HTTP/1.1\r\nHost: g\r\nContent-Length: abc\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'two different Content-Lengths', request: 'POST /chat HTTP/1.1\r\nHost: g\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', status: 400, code: 'bad_request' },
    { name: 'Content-Length with Transfer-Encoding', request: 'POST /chat HTTP/1.1\r\nHost: g\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'an unknown HTTP version', request: 'GET / HTTP/9.9\r\nHost: g\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'an HTTP/2 preface', request: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'a raw non-ASCII byte in the path', request: 'GET /caf\u00e9 HTTP/1.1\r\nHost: g\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'headers over 16 KiB', request: `GET /health/live HTTP/1.1\r\nHost: g\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'headers_too_large' },
  ])('$name: $status $code in the gateway shape', async ({ request, status, code }) => {
    const response = await sendBytes(gateway, Buffer.from(request, 'latin1'));
    expect(response?.status).toBe(status);
    expect(expectDocumentedAnswer(response!, 'gateway')?.code).toBe(code);
  });

  it('answers a malformed request to /v1 in OpenAI\'s shape', async () => {
    const response = await sendBytes(gateway, 'GET /v1/models HTTP/1.1\r\nHost: g\r\nX-A: a\u0000b\r\n\r\n');
    expect(response?.status).toBe(400);
    expect(expectDocumentedAnswer(response!, 'openai')?.code).toBe('bad_request');
  });
});

describe('requests Node answered itself with an empty body', () => {
  it('an HTTP/1.1 request without Host gets 400 bad_request in the documented shape (was an empty 400)', async () => {
    const response = await sendBytes(gateway, 'GET /models HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(response?.status).toBe(400);
    expect(expectDocumentedAnswer(response!, 'gateway')?.message).toContain('Host');
  });

  it('an HTTP/1.0 request without Host is still served', async () => {
    const response = await sendBytes(gateway, 'GET /health/live HTTP/1.0\r\n\r\n');
    expect(response?.status).toBe(200);
  });

  it.each([
    ['/chat', 'gateway'],
    ['/v1/chat/completions', 'openai'],
  ] as const)('Expect other than 100-continue on %s gets 417 expectation_failed in the %s shape (was an empty 417)', async (path, family) => {
    const response = await send(gateway, { method: 'POST', path, headers: { expect: 'teapot', 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(417);
    expect(expectDocumentedAnswer(response, family)?.code).toBe('expectation_failed');
  });

  it('Expect: 100-continue still works', async () => {
    const response = await send(gateway, {
      method: 'POST',
      path: '/chat',
      headers: { expect: '100-continue', 'content-type': 'application/json' },
      body: JSON.stringify({ messages: say, stream: false }),
    });
    expect(response.status).toBe(200);
  });
});

it('a path outside Swagger UI\'s folder answers 403 forbidden (was code bad_request)', async () => {
  const response = await send(gateway, { path: '/docs/%2e%2e/%2e%2e/package.json' });
  expect(response.status).toBe(403);
  expect(expectDocumentedAnswer(response, 'gateway')?.code).toBe('forbidden');
});
