import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { RequestInvalidError } from '../errors/gateway-errors.js';
import type { CacheDirective, ChatRequestContext, ChatRoute } from './chat-route.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The access key the request was made with (GATEWAY_API_KEYS); unset when the gateway is open. */
    client?: { name: string; allowedModels: readonly string[] | null };
  }
}

/** An id a client may choose for its request: short, and safe to put in a log line and a header. */
const CLIENT_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** Fastify's request id: the client's x-request-id when it is a sane one, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const offered = request.headers['x-request-id'];
  return typeof offered === 'string' && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
}

export function chatContext(request: FastifyRequest, route: ChatRoute): ChatRequestContext {
  return { requestId: request.id, route, client: request.client?.name ?? null, allowedModels: request.client?.allowedModels ?? null, cacheDirective: cacheDirective(request.headers) };
}

/** `x-gateway-cache: use | no-store`, or `Cache-Control: no-store`; any other x-gateway-cache value is a 400. */
function cacheDirective(headers: FastifyRequest['headers']): CacheDirective {
  const asked = headers['x-gateway-cache'];
  if (asked !== undefined) {
    const value = (Array.isArray(asked) ? asked.join(',') : asked).trim().toLowerCase();
    if (value === 'use' || value === 'no-store') return value;
    const errors = ['must be "use" (answer from the cache, or store the answer) or "no-store" (bypass the cache)'];
    throw new RequestInvalidError('The x-gateway-cache header must be "use" or "no-store".', { fields: [{ field: 'x-gateway-cache', errors }] });
  }
  const control = headers['cache-control'];
  return typeof control === 'string' && /(^|,)\s*no-store\s*(,|$)/i.test(control) ? 'no-store' : 'default';
}
