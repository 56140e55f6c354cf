import type { Cluster, Redis } from 'ioredis';
import type { ClientAdmission, ClientCounts, ClientLimitName, ClientLimits } from '../usage/limit-store.js';
import { CLIENT_ADMIT_SCRIPT, CLIENT_BOOK_SCRIPT } from './client-scripts.js';
import type { RedisKeys } from './redis-keys.js';

export interface ClientBooking {
  promptTokens: number;
  completionTokens: number;
  /** A key without limits of its own was not counted on admission: count its request here. */
  countRequest: boolean;
}

type ClientCommands = (Redis | Cluster) & {
  gatewayClientAdmit(...args: Array<string | number>): Promise<[number, number?, string?]>;
  gatewayClientBook(...args: Array<string | number>): Promise<number>;
};

/** Each access key's own limits (GATEWAY_API_KEYS), shared by all replicas through Redis. */
export class ClientLimiter {
  private readonly redis: ClientCommands;

  constructor(
    redis: Redis | Cluster,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand('gatewayClientAdmit', { numberOfKeys: 3, lua: CLIENT_ADMIT_SCRIPT });
    redis.defineCommand('gatewayClientBook', { numberOfKeys: 2, lua: CLIENT_BOOK_SCRIPT });
    this.redis = redis as ClientCommands;
  }

  /** Checks and counts a chat request against an access key's own limits, across replicas. */
  async admit(name: string, limits: ClientLimits, now: number): Promise<ClientAdmission> {
    const minute = this.keys.window(this.keys.client(name), 'minute', now);
    const day = this.keys.window(this.keys.client(name), 'day', now);
    const [admitted, retryAt, limit] = await this.redis.gatewayClientAdmit(
      minute.key,
      day.key,
      this.keys.totals(this.keys.client(name)),
      limits.requestsPerMinute ?? -1,
      limits.tokensPerDay ?? -1,
      minute.end,
      day.end,
      now,
      this.keys.ttlMs,
    );
    if (admitted === 1) return { admitted: true };
    return { admitted: false, retryAt: Number(retryAt), limit: limit as ClientLimitName };
  }

  /** Books a finished request's tokens against its access key (and the request, if admission did not count it). */
  async book(name: string, usage: ClientBooking, now: number): Promise<void> {
    const day = this.keys.window(this.keys.client(name), 'day', now);
    const totals = this.keys.totals(this.keys.client(name));
    await this.redis.gatewayClientBook(day.key, totals, usage.promptTokens, usage.completionTokens, day.end, now, this.keys.ttlMs, usage.countRequest ? 1 : 0);
  }

  /** An access key's usage across replicas: this minute's requests, today's tokens, totals. */
  async usage(name: string, now: number): Promise<ClientCounts> {
    const minute = this.keys.window(this.keys.client(name), 'minute', now);
    const day = this.keys.window(this.keys.client(name), 'day', now);
    const [minuteRequests, dayTokens, totals] = await Promise.all([
      this.redis.hget(minute.key, 'r'),
      this.redis.hget(day.key, 't'),
      this.redis.hgetall(this.keys.totals(this.keys.client(name))),
    ]);
    const count = (value: string | null | undefined) => Number(value ?? 0);
    return {
      minute: { start: minute.start, end: minute.end, requests: count(minuteRequests) },
      day: { start: day.start, end: day.end, tokens: count(dayTokens) },
      requests: count(totals.requests),
      promptTokens: count(totals.promptTokens),
      completionTokens: count(totals.completionTokens),
      rejected: count(totals.rejected),
    };
  }
}
