import { Module } from '@nestjs/common';
import { ChatMetricsObserver } from './chat-metrics.observer.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { HttpMetricsHook } from './http-metrics.hook.js';
import { metricsRegistryProvider } from './metrics-registry.provider.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus metrics: HTTP traffic, chat serving (from ChatTelemetry) and the process, at GET /metrics. */
@Module({
  controllers: [MetricsController],
  providers: [metricsRegistryProvider, GatewayMetrics, ChatMetricsObserver, HttpMetricsHook, MetricsService],
})
export class MetricsModule {}
