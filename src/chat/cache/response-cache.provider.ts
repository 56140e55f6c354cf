import type { Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment.js';
import { RedisConnection } from '../../redis/redis-connection.js';
import { MemoryAnswerStore, RedisAnswerStore } from './answer-store.js';
import { ResponseCache } from './response-cache.js';

/** Injection token: the ResponseCache, or null with CACHE=off. */
export const RESPONSE_CACHE = Symbol('RESPONSE_CACHE');

export const responseCacheProvider: Provider = {
  provide: RESPONSE_CACHE,
  inject: [ConfigService, RedisConnection],
  useFactory: (config: ConfigService<Environment, true>, connection: RedisConnection): ResponseCache | null => {
    const mode = config.get('CACHE', { infer: true });
    if (mode === 'off') return null;
    const store = mode === 'redis' ? new RedisAnswerStore(connection, connection.answerStore()!) : new MemoryAnswerStore(config.get('CACHE_MAX_BYTES', { infer: true }));
    return new ResponseCache(store, {
      ttlMs: config.get('CACHE_TTL_MS', { infer: true }),
      zeroTemperature: config.get('CACHE_ZERO_TEMPERATURE', { infer: true }),
      sharedAcrossKeys: config.get('CACHE_SHARED_ACROSS_KEYS', { infer: true }),
    });
  },
};
