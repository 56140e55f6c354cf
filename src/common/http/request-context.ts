import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { ChatRequestContext, ChatRoute } from './chat-route.js';

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
  return { requestId: request.id, route, client: request.client?.name ?? null, allowedModels: request.client?.allowedModels ?? null };
}
