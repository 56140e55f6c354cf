import { setMaxListeners } from 'node:events';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ExchangeHooks } from '../common/http/exchange-hooks.js';
import type { Logger } from 'pino';
import type { Environment } from '../config/environment.js';
import { GATEWAY_LOG } from '../logging/gateway-log.js';

/** After the grace period, how long cut-off answers get to send their `error` frame. */
const INTERRUPTED_FLUSH_MS = 2_000;

/**
 * Graceful shutdown. On SIGTERM the gateway stops being ready and refuses new chat requests at
 * once, lets answers in flight finish for up to SHUTDOWN_GRACE_MS, then cuts off the rest (each
 * ends with an SSE `error` frame, never a silent truncation) and closes.
 */
@Injectable()
export class Lifecycle implements OnModuleInit {
  private readonly graceMs: number;
  private readonly inFlight = new Set<object>();
  private readonly interruption = new AbortController();
  private idle: (() => void) | null = null;
  private shutdown: Promise<void> | null = null;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly hooks: ExchangeHooks,
    @Inject(GATEWAY_LOG) private readonly log: Logger,
  ) {
    this.graceMs = config.get('SHUTDOWN_GRACE_MS', { infer: true });
    // Every upstream attempt in flight listens for the end of the grace period: thousands may.
    setMaxListeners(0, this.interruption.signal);
  }

  /** Counts requests from arrival to the last byte (or the client hanging up), whoever answers. */
  onModuleInit(): void {
    this.hooks.onArrival((_request, reply) => void this.inFlight.add(reply.raw));
    this.hooks.onClose((_request, reply) => {
      this.inFlight.delete(reply.raw);
      if (this.inFlight.size === 0) this.idle?.();
    });
  }

  /** True from the moment shutdown begins. */
  get draining(): boolean {
    return this.shutdown !== null;
  }

  /** Aborts when the grace period is over: answers still streaming end with an `error` frame. */
  get interrupted(): AbortSignal {
    return this.interruption.signal;
  }

  /** Drains, then runs `close`; calling it again returns the same shutdown. */
  shutDown(close: () => Promise<void>): Promise<void> {
    this.shutdown ??= this.drain(close);
    return this.shutdown;
  }

  private async drain(close: () => Promise<void>): Promise<void> {
    this.log.info({ inFlight: this.inFlight.size, graceMs: this.graceMs }, 'shutting down: not ready, refusing new chat requests');
    if (!(await this.settled(this.graceMs))) {
      this.log.warn({ inFlight: this.inFlight.size }, 'grace period over: cutting off the answers still in flight');
      this.interruption.abort();
      await this.settled(INTERRUPTED_FLUSH_MS);
    }
    await close();
    this.log.info('shut down');
  }

  /** Resolves true once nothing is in flight, false if `ms` pass first. */
  private settled(ms: number): Promise<boolean> {
    if (this.inFlight.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idle = null;
        resolve(false);
      }, ms);
      this.idle = () => {
        clearTimeout(timer);
        this.idle = null;
        resolve(true);
      };
    });
  }
}
