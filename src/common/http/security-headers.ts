import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { ExchangeHooks } from './exchange-hooks.js';

/**
 * The Content-Security-Policy. Only one page the gateway serves is HTML: Swagger UI at /docs,
 * whose scripts (swagger-ui-bundle.js, swagger-ui-standalone-preset.js, swagger-ui-init.js) and
 * stylesheet are files under /docs on this origin. Everything else is JSON or SSE, for which the
 * policy costs nothing and forbids everything a browser could be tricked into doing with it.
 */
const CONTENT_SECURITY_POLICY = {
  // Helmet's defaults add `upgrade-insecure-requests`, which sends a page served over plain HTTP
  // (a cluster-internal address, a port-forward) to https:// for its own scripts: /docs would
  // come up blank. The rest of its defaults are listed here, tightened where nothing needs them.
  useDefaults: false,
  directives: {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    // Swagger UI's page has <style> blocks and its React components set style attributes.
    'style-src': ["'self'", "'unsafe-inline'"],
    // Its icons are data: URIs in its stylesheet. The online validator badge (an image from
    // validator.swagger.io) stays blocked: it would send the spec's URL to a third party.
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    // "Try it out" calls the gateway itself.
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  },
};

/**
 * Security headers on every answer (JSON, SSE, errors, /docs), as helmet computes them. They do
 * not vary per request, so helmet runs once at start-up and a hook copies its headers onto each
 * response (the @fastify/helmet plugin re-parses the whole policy on every request). The hook
 * runs at onRequest, before the body is read, so a refused request (413, 404, 400) carries them
 * too, and it sets them on the raw response: the SSE and plain-text writers hijack the reply and
 * `writeHead` keeps them.
 */
export function registerSecurityHeaders(hooks: ExchangeHooks): void {
  const headers = Object.entries(securityHeaders());
  hooks.onArrival((_request, reply) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
  });
}

/** The headers helmet sets for this policy. */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    // helmet removes X-Powered-By, which Fastify never sets.
    removeHeader: () => undefined,
  };
  helmet({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    // The same as frame-ancestors 'none', for browsers that only know the older header.
    xFrameOptions: { action: 'deny' },
  })({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return headers;
}
