import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ExchangeHooks } from '../common/http/exchange-hooks.js';
import { GatewayMetrics } from './gateway-metrics.js';

/** The route label of a request no route matched: its raw path would make a series per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The status label of a response the client left before it was complete (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Counts and times every HTTP exchange by method, route template and status. */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  /** Replies already counted: one that errors after the client left could otherwise count twice. */
  private readonly counted = new WeakSet<FastifyReply>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly hooks: ExchangeHooks,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Before Fastify boots (app.listen or app.init): hooks added later would throw. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      this.count(request, reply, reply.statusCode);
      done();
    });
    // Fastify runs onResponse once a response finishes; a client that leaves a stream midway never gets it there.
    this.hooks.onClose((request, reply) => {
      if (!reply.raw.writableFinished) this.count(request, reply, CLIENT_CLOSED_REQUEST);
    });
  }

  private count(request: FastifyRequest, reply: FastifyReply, status: number): void {
    if (this.counted.has(reply)) return;
    this.counted.add(reply);
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    this.metrics.httpRequests.inc({ method: request.method, route, status: String(status) });
    this.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  }
}
