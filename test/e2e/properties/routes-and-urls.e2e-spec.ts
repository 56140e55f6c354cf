// Every method on every path, known or not, odd URLs and any Accept header: never a 5xx, errors
// in the shape of the path's route family, and a route that exists answers whatever Accept says.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Gateway } from '../../support/gateway-harness.js';
import { anyJson } from './arbitraries.js';
import { expectAlive, expectDocumentedAnswer, familyOf, send, startRoomyGateway } from './raw-http.js';

const say = [{ role: 'user', content: 'Say hello.' }];

/** Each route with a request it serves with 200. */
const routes = [
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/models' },
  { method: 'GET', path: '/usage' },
  { method: 'POST', path: '/chat', body: { messages: say, stream: false } },
  { method: 'POST', path: '/chat', body: { messages: say } },
  { method: 'POST', path: '/v1/chat/completions', body: { model: 'auto', messages: say } },
  { method: 'POST', path: '/v1/chat/completions', body: { model: 'm', messages: say, stream: true } },
  { method: 'GET', path: '/v1/models' },
  { method: 'GET', path: '/v1/models/m' },
  { method: 'GET', path: '/health/live' },
  { method: 'GET', path: '/health/ready' },
  { method: 'GET', path: '/docs' },
  { method: 'GET', path: '/docs-json' },
];
const routePaths = [...new Set(routes.map((route) => route.path))];
const isRoute = (method: string, pathname: string) =>
  routes.some((route) => route.path === pathname && (route.method === method || (route.method === 'GET' && method === 'HEAD'))) ||
  // GET /v1/models/{model} takes any id (a 404 model_not_found when there is none such).
  (method === 'GET' && pathname.startsWith('/v1/models/'));

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH', 'PURGE'];

/** Printable ASCII and Latin-1, which Node's client sends in a header as they are. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((code) => code !== 0x7f).map((code) => String.fromCharCode(code)), maxLength: 300 });

const accept = fc.oneof(
  fc.constantFrom(
    '*/*',
    '',
    'text/html',
    'application/xml',
    'text/event-stream',
    'text/plain',
    'application/json',
    'application/json;q=0',
    'application/json, */*',
    'text/*;q=0.1, image/png',
    'application/octet-stream',
    'garbage;;;=,,',
    'text/plain; charset=ebcdic',
    'application/problem+json',
    `${'a/b, '.repeat(500)}c/d`,
  ),
  headerValue,
);

const suffix = fc.constantFrom('', '/', '//', '?', '?a=1', '?a=%zz&b', '#frag', '/..', '/./', ';x=1', '%20', '/index.html');
const path = fc.oneof(
  fc.tuple(fc.constantFrom(...routePaths), suffix).map(([base, end]) => base + end),
  fc.webPath(),
  fc.tuple(fc.constantFrom('/v1/', '/docs/', '/health/', '/chat/', '/v1/chat/'), fc.webSegment()).map(([base, segment]) => base + segment),
  fc.webPath().map((tail) => `/v1${tail}`),
  fc.constantFrom('/V1/models', '/Models', '/CHAT', '/health', '/v1', '/v2/models', '//v1/models', '/./models', '/docs/../models', '/docs/%2e%2e/package.json'),
).map((target) => (target.startsWith('/') ? target : `/${target}`));

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startRoomyGateway();
});
afterAll(() => gateway.close());
afterEach(() => expectAlive(gateway));

it('answers every method on every path without a 5xx, in the shape of the path; what is no route is 404 not_found', async () => {
  const body = fc.option(fc.oneof(anyJson.map((value) => JSON.stringify(value)), fc.constant(JSON.stringify({ messages: say, stream: false }))), { nil: undefined });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...METHODS), path, accept, body, async (method, target, acceptValue, payload) => {
      const response = await send(gateway, {
        method,
        path: target,
        headers: { accept: acceptValue, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        body: payload,
      });
      const error = expectDocumentedAnswer(response, familyOf(target), `${method} ${target}`, { head: method === 'HEAD' });
      const pathname = target.split(/[?#]/)[0]!;
      // /docs/* serves Swagger UI's files, and a path with %-escapes may decode to a route.
      expect(response.status).toBeLessThan(500);
      if (method === 'HEAD' || pathname.startsWith('/docs/') || pathname.includes('%') || isRoute(method, pathname)) return;
      expect({ method, target, status: response.status, code: error?.code }).toEqual({ method, target, status: 404, code: 'not_found' });
    }),
    { numRuns: 500 },
  );
}, 60_000);

it('answers a malformed %-escape anywhere in the URL with 400 bad_request (or 404) in the shape of the path', async () => {
  const bad = fc.constantFrom('%', '%z', '%zz', '%G0', '%%', '%C0%AF', '%ED%A0%80', '%FF', '%E2%82', '%00', '%0A', '%2F', '%5C', '%u0041');
  const target = fc
    .tuple(fc.constantFrom('/', '/v1/', '/v1/chat/', '/models/', '/docs/', '/chat'), fc.webSegment(), bad, fc.webSegment(), fc.constantFrom('', '?q=%zz', '?%=%'))
    .map(([base, before, escape, after, query]) => `${base}${before}${escape}${after}${query}`);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('GET', 'POST', 'DELETE'), target, async (method, url) => {
      const response = await send(gateway, { method, path: url });
      const error = expectDocumentedAnswer(response, familyOf(url), `${method} ${url}`);
      expect({ url, status: response.status }).toEqual({ url, status: expect.toBeOneOf([400, 403, 404]) });
      expect(['bad_request', 'invalid_json', 'validation_failed', 'forbidden', 'not_found']).toContain(error?.code);
    }),
    { numRuns: 200 },
  );
}, 60_000);

it('serves every route whatever the Accept header says', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), accept, async (route, acceptValue) => {
      const response = await send(gateway, {
        method: route.method,
        path: route.path,
        headers: { accept: acceptValue, ...(route.body ? { 'content-type': 'application/json' } : {}) },
        body: route.body ? JSON.stringify(route.body) : undefined,
      });
      expect({ route: route.path, accept: acceptValue, status: response.status }).toEqual({ route: route.path, accept: acceptValue, status: 200 });
      expect(String(response.headers['content-type'])).toMatch(/^(application\/json|text\/event-stream|text\/plain|text\/html)\b/);
    }),
    { numRuns: 200 },
  );
}, 60_000);

it('answers odd header values on every route without a 5xx', async () => {
  const headerName = fc.constantFrom('accept', 'accept-encoding', 'accept-language', 'accept-charset', 'user-agent', 'x-request-id', 'origin', 'referer', 'cookie', 'authorization', 'if-none-match', 'range', 'accept-version', 'x-forwarded-for', 'x-forwarded-proto', 'forwarded', 'te', 'x-http-method-override');
  const headers = fc.dictionary(headerName, headerValue, { minKeys: 1, maxKeys: 5 });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), headers, async (route, odd) => {
      const response = await send(gateway, {
        method: route.method,
        path: route.path,
        headers: { ...odd, ...(route.body ? { 'content-type': 'application/json' } : {}) },
        body: route.body ? JSON.stringify(route.body) : undefined,
      });
      expectDocumentedAnswer(response, familyOf(route.path), `${route.method} ${route.path} with ${JSON.stringify(odd)}`);
      expect(response.status).toBeLessThan(500);
    }),
    { numRuns: 200 },
  );
}, 60_000);
