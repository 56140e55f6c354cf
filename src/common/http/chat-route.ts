import { SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/** Which API a chat request came in through. */
export type ChatRoute = 'chat' | 'openai' | 'responses';

/**
 * What a request says of the response cache: `x-gateway-cache: use` (cache it, or answer from
 * the cache), `no-store` (`x-gateway-cache: no-store` or `Cache-Control: no-store`: neither), or nothing.
 */
export type CacheDirective = 'use' | 'no-store' | 'default';

/** Who asked, and how to find the request in logs. */
export interface ChatRequestContext {
  /** From the client's x-request-id, or generated; returned in the x-request-id header. */
  requestId: string;
  route: ChatRoute;
  /** The access key's name (GATEWAY_API_KEYS), or null when the gateway is open. */
  client: string | null;
  /** The public model ids or `provider/id` keys the access key may use; null: any. */
  allowedModels: readonly string[] | null;
  /** Absent: `default`. */
  cacheDirective?: CacheDirective;
}

export const CHAT_ENDPOINT = 'gateway:chat-endpoint';

/**
 * Marks a handler that serves chat requests: an access key's `requestsPerMinute` and
 * `tokensPerDay` apply to it, and a request the guard refuses there is still logged and counted
 * as a chat request. Metadata rather than a list of paths, so renaming a route cannot silently
 * lift the limits.
 */
export const ChatEndpoint = (route: ChatRoute): MethodDecorator => SetMetadata(CHAT_ENDPOINT, route);

/** The request header that asks for, or refuses, the response cache (documented on every chat route). */
export const ApiCacheHeader = (): MethodDecorator =>
  ApiHeader({
    name: 'x-gateway-cache',
    required: false,
    enum: ['use', 'no-store'],
    description:
      'With CACHE=memory or redis: `use` answers from the response cache when an identical request (same model, messages, tools and parameters, same access key) was answered before, else stores this answer once complete; `no-store` bypasses the cache (as does `Cache-Control: no-store`). Without the header a request with `temperature: 0` is cached too (CACHE_ZERO_TEMPERATURE).',
  });

