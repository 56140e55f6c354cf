import { Inject, Injectable, Logger, Optional, type ArgumentMetadata, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AccessKeys, type AccessKey } from '../../access/access-keys.js';
import { ClientUsage } from '../../access/client-usage.js';
import { presentedKey } from '../../access/presented-key.js';
import { GatewayError } from '../../common/errors/gateway-errors.js';
import { BodyShapePipe } from '../../common/http/body-shape.pipe.js';
import { chatContext } from '../../common/http/request-context.js';
import { compiledBody } from '../../common/http/validation.pipe.js';
import type { Environment } from '../../config/environment.js';
import type { ChatSession } from '../chat-command.js';
import type { ChatRouteBinding } from '../chat-route-binding.js';
import { ChatService } from '../chat.service.js';
import { RESPONSE_CACHE } from './response-cache.provider.js';
import type { ResponseCache } from './response-cache.js';

const BODY: ArgumentMetadata = { type: 'body' };

/**
 * Cache hits answered before Nest's pipeline. A hit is a lookup and one write, so the fixed cost
 * of a request (Nest's routing, guard, pipes and handler) would be most of what it costs. A
 * request to a registered chat route that asks for the cache goes through the same checks here:
 * its access key is identified, its body passes the shape check and the validation pipe's
 * compiled rules, its size is within the limits; if its answer is stored, the key is admitted
 * against its requestsPerMinute and the answer served and reported like any hit. Anything else (no
 * key or an unknown one, a body only the full validation can judge, a key over its limit, a miss)
 * is left to the pipeline, which says what is wrong or goes upstream: this path never answers
 * with an error of its own.
 */
@Injectable()
export class CachedAnswerShortcut implements OnModuleInit {
  private readonly logger = new Logger(CachedAnswerShortcut.name);
  private readonly routes = new Map<string, ChatRouteBinding<object>>();
  private readonly bodyShape: BodyShapePipe;
  private readonly zeroTemperature: boolean;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly chat: ChatService,
    private readonly keys: AccessKeys,
    private readonly usage: ClientUsage,
    config: ConfigService<Environment, true>,
    // Null with CACHE=off: then there is nothing to answer from, and no hook.
    @Optional() @Inject(RESPONSE_CACHE) private readonly cache: ResponseCache | null = null,
  ) {
    this.bodyShape = new BodyShapePipe({ maxMessages: config.get('MAX_MESSAGES', { infer: true }) });
    this.zeroTemperature = config.get('CACHE_ZERO_TEMPERATURE', { infer: true });
  }

  /** A chat route whose cached answers are served here (its controller registers it). */
  register<Body extends object>(binding: ChatRouteBinding<Body>): void {
    this.routes.set(binding.path, binding as unknown as ChatRouteBinding<object>);
  }

  /** Before Fastify boots: a hook added later would throw. */
  onModuleInit(): void {
    if (!this.cache) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('preHandler', async (request, reply) => {
      const binding = request.method === 'POST' ? this.routes.get(request.routeOptions.url ?? '') : undefined;
      if (!binding) return;
      const found = await this.cachedAnswer(binding, request);
      if (!found) return;
      await binding.respond(found.session, found.body, request, reply);
      // Tells Fastify the reply is dealt with: the route's handler does not run.
      return reply;
    });
  }

  /** The started answer and the validated body, when the request is served here; null leaves it to the pipeline. */
  private async cachedAnswer(binding: ChatRouteBinding<object>, request: FastifyRequest): Promise<{ session: ChatSession; body: object } | null> {
    try {
      if (!this.asksForCache(request)) return null;
      const key = this.accessKey(request);
      if (key === null) return null;
      this.bodyShape.transform(request.body, BODY);
      const body = compiledBody(binding.body, request.body);
      if (!body) return null;
      if (key) request.client = { name: key.name, allowedModels: key.models };
      const command = { ...binding.toCommand(body), context: chatContext(request, binding.route) };
      const answer = await this.chat.findCached(command);
      if (!answer) return null;
      // Only now: a request left to the pipeline is admitted (or refused) by the guard, once.
      if (key) await this.usage.admit(key);
      return { session: this.chat.startCached(command, answer), body };
    } catch (error) {
      // A refusal is the pipeline's to answer; anything else is a fault here, and the pipeline still serves the request.
      if (!(error instanceof GatewayError)) this.logger.warn(`cache shortcut skipped: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /** Cheap, before anything else: most requests do not ask for the cache (the cache's own rule decides the rest). */
  private asksForCache(request: FastifyRequest): boolean {
    const asked = request.headers['x-gateway-cache'];
    if (asked !== undefined) return typeof asked === 'string' && asked.trim().toLowerCase() === 'use';
    return this.zeroTemperature && (request.body as { temperature?: unknown } | null)?.temperature === 0;
  }

  /** The request's access key; undefined when the gateway is open; null when it presents no known key. */
  private accessKey(request: FastifyRequest): AccessKey | null | undefined {
    if (!this.keys.required) return undefined;
    const presented = presentedKey(request.headers);
    return presented === undefined ? null : this.keys.identify(presented);
  }
}
