import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { LivenessDto } from './dto/liveness.dto.js';
import { ModelsHealthIndicator } from './models-health.indicator.js';
import { RedisHealthIndicator } from './redis-health.indicator.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly models: ModelsHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** Liveness: the process answers. Checks no dependency. */
  @Get('live')
  live(): LivenessDto {
    return { status: 'ok' };
  }

  /**
   * Readiness: 200 when at least one provider is configured with an available model, else 503.
   * With REDIS_URL also Redis: unreachable is `degraded` (REDIS_FAILURE_MODE=open) or 503 (`closed`).
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.models.check('models'),
      ...(this.redis.configured ? [() => this.redis.check('redis')] : []),
    ]);
  }
}
