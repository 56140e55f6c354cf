import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatRoute } from '../common/http/chat-route.js';
import type { ChatCommand, ChatSession } from './chat-command.js';

/** What a chat route adds to the chat service: its body, the command it makes of it, how it writes an answer. */
export interface ChatRouteBinding<Body extends object> {
  route: ChatRoute;
  /** The path as Fastify knows the route (`request.routeOptions.url`), e.g. `/chat`. */
  path: string;
  /** The body's class: its decorators validate it. */
  body: abstract new (...args: never[]) => Body;
  toCommand(body: Body): ChatCommand;
  /** Writes a started answer in the route's format; it ends the response (an interruption included). */
  respond(session: ChatSession, body: Body, request: FastifyRequest, reply: FastifyReply): Promise<void>;
}
