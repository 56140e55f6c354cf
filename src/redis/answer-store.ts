import type { Cluster, Redis } from 'ioredis';

/**
 * Strings every replica shares, each with its TTL: cached answers (CACHE=redis) under the hash of
 * their request, the Responses API's output items under their id.
 */
export class SharedAnswerStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keyOf: (name: string) => string,
  ) {}

  get(name: string): Promise<string | null> {
    return this.redis.get(this.keyOf(name));
  }

  async set(name: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keyOf(name), value, 'PX', ttlMs);
  }
}
