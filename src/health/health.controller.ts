import { Controller, Get } from '@nestjs/common';
import { ApiBadRequestResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck } from '@nestjs/terminus';
import { ErrorResponseDto } from '../common/errors/error-response.dto.js';
import { Public } from '../common/http/public.decorator.js';
import { LivenessDto } from './dto/liveness.dto.js';
import { Readiness } from './readiness.service.js';

// Orchestrators probe without a key, also when GATEWAY_API_KEYS is set.
@Public()
@ApiTags('health')
// Answered before any route runs (app.factory.ts), so a probe can get it too.
@ApiBadRequestResponse({
  description: 'Not a valid HTTP request, e.g. HTTP/1.1 without a Host header (`bad_request`); the probe does not run.',
  type: ErrorResponseDto,
})
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  /** Liveness: the process answers. Checks no dependency. */
  @Get('live')
  live(): LivenessDto {
    return { status: 'ok' };
  }

  /**
   * Readiness: 200 when at least one provider is configured with an available model, else 503.
   * With REDIS_URL also Redis: unreachable is `degraded` (REDIS_FAILURE_MODE=open) or 503 (`closed`).
   * 503 from the moment the gateway begins shutting down (SIGTERM).
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.readiness.check();
  }
}
