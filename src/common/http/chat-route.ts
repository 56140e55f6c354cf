import { SetMetadata } from '@nestjs/common';

/** Which API a chat request came in through. */
export type ChatRoute = 'chat' | 'openai';

/** Who asked, and how to find the request in logs. */
export interface ChatRequestContext {
  /** From the client's x-request-id, or generated; returned in the x-request-id header. */
  requestId: string;
  route: ChatRoute;
  /** The access key's name (GATEWAY_API_KEYS), or null when the gateway is open. */
  client: string | null;
  /** The public model ids or `provider/id` keys the access key may use; null: any. */
  allowedModels: readonly string[] | null;
}

export const CHAT_ENDPOINT = 'gateway:chat-endpoint';

/**
 * Marks a handler that serves chat requests: an access key's `requestsPerMinute` and
 * `tokensPerDay` apply to it, and a request the guard refuses there is still logged and counted
 * as a chat request. Metadata rather than a list of paths, so renaming a route cannot silently
 * lift the limits.
 */
export const ChatEndpoint = (route: ChatRoute): MethodDecorator => SetMetadata(CHAT_ENDPOINT, route);
