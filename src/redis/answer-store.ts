import type { Cluster, Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/** Cached answers every replica shares (CACHE=redis): opaque strings under a hashed key, each with its TTL. */
export class SharedAnswerStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: RedisKeys,
  ) {}

  get(hash: string): Promise<string | null> {
    return this.redis.get(this.keys.cachedAnswer(hash));
  }

  async set(hash: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.cachedAnswer(hash), value, 'PX', ttlMs);
  }
}
