import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModelCatalog, type Deployment } from '../config/model-catalog.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { UpstreamErrorKind } from '../providers/upstream-error.js';
import { ChatTelemetry, type ChatObserver, type ChatRequestSummary, type RefusalCause } from '../telemetry/chat-telemetry.js';
import { GatewayMetrics } from './gateway-metrics.js';

/** The labels of a chat request no deployment answered. */
const NO_DEPLOYMENT = { provider: 'none', model: 'none' } as const;

/** A deployment as labels: its provider and the provider's model id, as in a request summary. */
function deploymentLabels(deployment: Pick<Deployment, 'provider' | 'id'>): { provider: string; model: string } {
  return { provider: deployment.provider, model: deployment.id };
}

/** Turns what chat serving reports into the gateway's Prometheus metrics. */
@Injectable()
export class ChatMetricsObserver implements ChatObserver, OnModuleInit {
  /**
   * When the report behind each provider gauge series was observed: concurrent answers from one
   * deployment can report out of order, and an older report must not overwrite a newer one.
   */
  private readonly reportedAt = new Map<string, number>();

  constructor(
    private readonly telemetry: ChatTelemetry,
    private readonly metrics: GatewayMetrics,
    private readonly catalog: ModelCatalog,
  ) {}

  onModuleInit(): void {
    // An idle deployment reads 0 streams, not "no data".
    for (const deployment of this.catalog.deployments) this.metrics.streamsInFlight.set(deploymentLabels(deployment), 0);
    this.telemetry.subscribe(this);
  }

  upstreamFailed(deployment: Deployment, kind: UpstreamErrorKind): void {
    this.metrics.upstreamErrors.inc({ ...deploymentLabels(deployment), kind });
  }

  fellBack(from: Deployment, reason: UpstreamErrorKind): void {
    this.metrics.fallbacks.inc({ ...deploymentLabels(from), reason });
  }

  refused(deployment: Deployment, cause: RefusalCause): void {
    this.metrics.limiterRejections.inc({ ...deploymentLabels(deployment), cause });
  }

  providerReported(deployment: Deployment, report: RateLimitSnapshot): void {
    const observedAt = Date.parse(report.observedAt);
    for (const { resource, window, remaining, limit } of report.windows) {
      const labels = { ...deploymentLabels(deployment), resource, window };
      const series = JSON.stringify([labels.provider, labels.model, resource, window]);
      if ((this.reportedAt.get(series) ?? Number.NEGATIVE_INFINITY) > observedAt) continue;
      this.reportedAt.set(series, observedAt);
      if (remaining !== undefined) this.metrics.providerRemaining.set(labels, remaining);
      if (limit !== undefined) this.metrics.providerLimit.set(labels, limit);
    }
  }

  streamStarted(deployment: Deployment): void {
    this.metrics.streamsInFlight.inc(deploymentLabels(deployment));
  }

  streamEnded(deployment: Deployment): void {
    this.metrics.streamsInFlight.dec(deploymentLabels(deployment));
  }

  requestFinished(summary: ChatRequestSummary): void {
    const { route, outcome } = summary;
    const { provider, model } = summary.deployment ?? NO_DEPLOYMENT;
    const answered = { provider, model };
    this.metrics.chatRequests.inc({ route, ...answered, outcome });
    this.metrics.chatDuration.observe({ route, outcome }, summary.durationMs / 1000);
    if (outcome === 'cancelled') this.metrics.cancellations.inc({ route });
    if (!summary.deployment) return;
    if (summary.timeToFirstTokenMs !== null) this.metrics.timeToFirstToken.observe({ route, ...answered }, summary.timeToFirstTokenMs / 1000);
    this.metrics.tokens.inc({ ...answered, kind: 'prompt' }, summary.promptTokens);
    this.metrics.tokens.inc({ ...answered, kind: 'completion' }, summary.completionTokens);
  }
}
