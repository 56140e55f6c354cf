import { AdminOnly } from '../common/http/admin.decorator.js';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@AdminOnly()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'The gateway\'s metrics in the Prometheus text format, for a Prometheus scrape: HTTP and chat requests, time to first token, tokens, fallbacks, limiter rejections, cancellations, streams in flight, upstream errors, provider-reported quota (`llm_gateway_*`), and the process\'s CPU, memory and event-loop lag.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4.', schema: { type: 'string' } })
  getMetrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.contentType);
    return this.metrics.scrape();
  }
}
