import { Global, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type ExchangeListener = (request: FastifyRequest, reply: FastifyReply) => void;
/** Returns an error to refuse the request before its body is read. */
export type ExchangeCheck = (request: FastifyRequest) => Error | undefined;

/**
 * What the gateway does on every HTTP exchange, in one place: one `onRequest` hook and one
 * `close` listener per response, which run what modules subscribed (request ids and security
 * headers, the shutdown's count of requests in flight, HTTP metrics) instead of a hook each.
 */
@Injectable()
export class ExchangeHooks implements OnModuleInit {
  private readonly checks: ExchangeCheck[] = [];
  private readonly arrivals: ExchangeListener[] = [];
  private readonly closes: ExchangeListener[] = [];

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** On arrival, before anything else: the first error refuses the request. */
  check(check: ExchangeCheck): void {
    this.checks.push(check);
  }

  /** On arrival, before the body is read (a refused request runs these too). */
  onArrival(listener: ExchangeListener): void {
    this.arrivals.push(listener);
  }

  /** When the response closes: sent whole, or the client went away first (`writableFinished` tells). */
  onClose(listener: ExchangeListener): void {
    this.closes.push(listener);
  }

  /** Before Fastify boots (app.listen or app.init): a hook added later would throw. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      for (const listener of this.arrivals) listener(request, reply);
      reply.raw.once('close', () => {
        for (const listener of this.closes) listener(request, reply);
      });
      let refusal: Error | undefined;
      for (const check of this.checks) if ((refusal = check(request))) break;
      done(refusal);
    });
  }
}

@Global()
@Module({ providers: [ExchangeHooks], exports: [ExchangeHooks] })
export class ExchangeHooksModule {}
