import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import { LifecycleHealthIndicator } from '../lifecycle/lifecycle-health.indicator.js';
import { ModelsHealthIndicator } from './models-health.indicator.js';
import { RedisHealthIndicator } from './redis-health.indicator.js';

/**
 * Readiness, logged when it changes rather than on every probe: an orchestrator probing every
 * few seconds through an outage or a shutdown must not flood the log with the same failure.
 */
@Injectable()
export class Readiness {
  private readonly logger = new Logger('Readiness');
  private ready: boolean | null = null;

  constructor(
    private readonly health: HealthCheckService,
    private readonly models: ModelsHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly lifecycle: LifecycleHealthIndicator,
  ) {}

  async check(): Promise<HealthCheckResult> {
    try {
      const result = await this.health.check([
        () => this.lifecycle.check('lifecycle'),
        () => this.models.check('models'),
        ...(this.redis.configured ? [() => this.redis.check('redis')] : []),
      ]);
      this.record(true, result.details);
      return result;
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        this.record(false, (error.getResponse() as Partial<HealthCheckResult>).details ?? {});
      }
      throw error;
    }
  }

  private record(ready: boolean, details: HealthIndicatorResult): void {
    if (ready === this.ready) return;
    const first = this.ready === null;
    this.ready = ready;
    if (ready && !first) this.logger.log('ready again');
    if (!ready) this.logger.warn(`not ready: ${JSON.stringify(details)}`);
  }
}
