import { Module } from '@nestjs/common';
import { ProvidersModule } from '../providers/providers.module.js';
import { ChatMetricsObserver } from './chat-metrics.observer.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { HttpMetricsHook } from './http-metrics.hook.js';
import { metricsRegistryProvider } from './metrics-registry.provider.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { UpstreamAnomalyMetrics } from './upstream-anomaly-metrics.js';

/**
 * Prometheus metrics: HTTP traffic, chat serving (from ChatTelemetry), what providers sent that
 * was not believed (from UpstreamAnomalies) and the process, at GET /metrics.
 */
@Module({
  imports: [ProvidersModule],
  controllers: [MetricsController],
  providers: [metricsRegistryProvider, GatewayMetrics, ChatMetricsObserver, HttpMetricsHook, MetricsService, UpstreamAnomalyMetrics],
})
export class MetricsModule {}
