import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisConnection } from '../redis/redis-connection.js';

/**
 * Redis, when limits are shared through it. Unreachable: still ready but degraded in
 * REDIS_FAILURE_MODE=open (requests are served on this replica's own limits), not ready in
 * `closed` (chat requests are refused). Bounded by REDIS_TIMEOUT_MS.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly shared: RedisConnection,
  ) {}

  get configured(): boolean {
    return this.shared.enabled;
  }

  async check(key: string) {
    const session = this.health.check(key);
    if (await this.shared.ping()) return session.up({ limits: 'shared' });
    if (this.shared.failureMode === 'open') {
      return session.up({ degraded: true, limits: 'per replica', message: 'Redis is unreachable; limits are per replica until it is back' });
    }
    return session.down({ limits: 'unavailable', message: 'Redis is unreachable; chat requests are refused until it is back' });
  }
}
