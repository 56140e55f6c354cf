import type { Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment.js';
import type { SharedAnswerStore } from '../../redis/answer-store.js';
import { RedisConnection } from '../../redis/redis-connection.js';
import { AnswerStore, MemoryAnswerStore } from './answer-store.js';
import { ResponseCache } from './response-cache.js';

/** Injection token: the ResponseCache, or null with CACHE=off. */
export const RESPONSE_CACHE = Symbol('RESPONSE_CACHE');

/** Cached answers every replica shares, in Redis; a store that cannot be reached is a miss, not an error. */
class RedisAnswerStore extends AnswerStore {
  readonly kind = 'redis';

  private readonly store: SharedAnswerStore;

  constructor(private readonly connection: RedisConnection) {
    super();
    this.store = connection.answerStore()!;
  }

  async get(hash: string): Promise<string | null> {
    return (await this.connection.attempt(() => this.store.get(hash))) ?? null;
  }

  async set(hash: string, value: string, ttlMs: number): Promise<void> {
    await this.connection.attempt(() => this.store.set(hash, value, ttlMs));
  }

  size(): null {
    return null;
  }
}

export const responseCacheProvider: Provider = {
  provide: RESPONSE_CACHE,
  inject: [ConfigService, RedisConnection],
  useFactory: (config: ConfigService<Environment, true>, connection: RedisConnection): ResponseCache | null => {
    const mode = config.get('CACHE', { infer: true });
    if (mode === 'off') return null;
    const store = mode === 'redis' ? new RedisAnswerStore(connection) : new MemoryAnswerStore(config.get('CACHE_MAX_BYTES', { infer: true }));
    return new ResponseCache(store, {
      ttlMs: config.get('CACHE_TTL_MS', { infer: true }),
      zeroTemperature: config.get('CACHE_ZERO_TEMPERATURE', { infer: true }),
      sharedAcrossKeys: config.get('CACHE_SHARED_ACROSS_KEYS', { infer: true }),
    });
  },
};
