import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AdminKeyRequiredError, GatewayError, InvalidApiKeyError, MissingApiKeyError } from '../common/errors/gateway-errors.js';
import { ADMIN_ROUTE } from '../common/http/admin.decorator.js';
import { CHAT_ENDPOINT, type ChatRoute } from '../common/http/chat-route.js';
import { PUBLIC_ROUTE } from '../common/http/public.decorator.js';
import { ChatTelemetry } from '../telemetry/chat-telemetry.js';
import { AccessKeys } from './access-keys.js';
import { ClientUsage } from './client-usage.js';
import { presentedKey } from './presented-key.js';

/**
 * With GATEWAY_API_KEYS set, every route but the @Public() ones needs a known access key, and the
 * @AdminOnly() ones an admin key; the request then carries the key's name and allowed models, and
 * chat routes count against its limits.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: AccessKeys,
    private readonly usage: ClientUsage,
    private readonly telemetry: ChatTelemetry,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.keys.required) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // @ChatEndpoint() handlers count against the key's own limits.
    const chatRoute = this.reflector.get<ChatRoute | undefined>(CHAT_ENDPOINT, context.getHandler());
    try {
      const presented = presentedKey(request.headers);
      if (presented === undefined) throw new MissingApiKeyError();
      const key = this.keys.identify(presented);
      if (!key) throw new InvalidApiKeyError();
      if (!key.admin && this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, [context.getHandler(), context.getClass()])) {
        throw new AdminKeyRequiredError();
      }
      request.client = { name: key.name, allowedModels: key.models };
      if (chatRoute) await this.usage.admit(key);
      return true;
    } catch (error) {
      // A chat request refused here is still a chat request: it gets its log line and its count.
      if (chatRoute && error instanceof GatewayError) this.reportRefusal(request, chatRoute, error);
      throw error;
    }
  }

  private reportRefusal(request: FastifyRequest, route: ChatRoute, error: GatewayError): void {
    const model = (request.body as { model?: unknown } | undefined)?.model;
    this.telemetry.emit('requestFinished', {
      requestId: request.id,
      route,
      client: request.client?.name ?? null,
      allowedModels: request.client?.allowedModels ?? null,
      requestedModel: typeof model === 'string' ? model : null,
      deployment: null,
      attempts: 0,
      failedAttempts: [],
      promptTokens: 0,
      completionTokens: 0,
      timeToFirstTokenMs: null,
      answerFirstTokenMs: null,
      cache: null,
      durationMs: 0,
      outcome: 'rejected',
      errorCode: error.code,
    });
  }
}
