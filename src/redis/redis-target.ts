import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../config/redis-url.js';

/** Connects as REDIS_URL says, with the same client options whatever the topology. */
export function connectRedis(target: RedisTarget, options: RedisOptions): Redis | Cluster {
  switch (target.kind) {
    case 'single':
      return new Redis(target.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: target.sentinels,
        name: target.masterName,
        db: target.db,
        username: target.username,
        password: target.password,
      });
    case 'cluster':
      return new Cluster(target.nodes, {
        redisOptions: { ...options, username: target.username, password: target.password },
        enableOfflineQueue: options.enableOfflineQueue,
        enableAutoPipelining: options.enableAutoPipelining,
        clusterRetryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
      });
  }
}
