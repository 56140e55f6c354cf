import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModelCatalog } from '../config/model-catalog.js';
import { UPSTREAM_ANOMALY_KINDS, UpstreamAnomalies } from '../providers/upstream-anomalies.js';
import { GatewayMetrics } from './gateway-metrics.js';

/** Counts what the provider adapters report they refused to believe (UpstreamAnomalies). */
@Injectable()
export class UpstreamAnomalyMetrics implements OnModuleInit {
  constructor(
    private readonly anomalies: UpstreamAnomalies,
    private readonly metrics: GatewayMetrics,
    private readonly catalog: ModelCatalog,
  ) {}

  onModuleInit(): void {
    // Every catalog provider starts at 0 for every kind, so the first anomaly is an increase.
    for (const provider of new Set(this.catalog.deployments.map((deployment) => deployment.provider))) {
      for (const kind of UPSTREAM_ANOMALY_KINDS) this.metrics.upstreamAnomalies.inc({ provider, kind }, 0);
    }
    this.anomalies.subscribe((provider, kind) => this.metrics.upstreamAnomalies.inc({ provider, kind }));
  }
}
