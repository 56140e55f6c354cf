import { Global, Module, type Provider } from '@nestjs/common';
import { Clock } from '../usage/clock.js';
import { ClockModule } from '../usage/clock.module.js';
import { InMemoryLimitStore } from '../usage/in-memory-limit-store.js';
import { LimitStore } from '../usage/limit-store.js';
import { ResilientLimitStore } from '../usage/resilient-limit-store.js';
import { RedisConnection } from './redis-connection.js';
import { RedisLimitStore } from './redis-limit-store.js';

/**
 * The LimitStore: this process's own counts without REDIS_URL; with it, the counts every replica
 * shares in Redis, on top of this replica's own, with REDIS_FAILURE_MODE deciding while Redis
 * cannot be reached.
 */
export const limitStoreProvider: Provider = {
  provide: LimitStore,
  inject: [RedisConnection, Clock],
  useFactory: (connection: RedisConnection, clock: Clock): LimitStore => {
    const local = new InMemoryLimitStore(clock);
    if (!connection.enabled) return local;
    return new ResilientLimitStore(new RedisLimitStore(connection, local, clock), local, connection.failureMode);
  },
};

/** Binds the LimitStore for every module (usage, access), and the Redis connection health reports on. */
@Global()
@Module({
  imports: [ClockModule],
  providers: [RedisConnection, limitStoreProvider],
  exports: [LimitStore, RedisConnection],
})
export class LimitsModule {}
