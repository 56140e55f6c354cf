import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModelCatalog, type Deployment } from '../config/model-catalog.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { UpstreamErrorKind } from '../providers/upstream-error.js';
import type { ChatRoute } from '../common/http/chat-route.js';
import { ChatTelemetry, type ChatObserver, type ChatRequestSummary, type RefusalCause } from '../telemetry/chat-telemetry.js';
import { GatewayMetrics } from './gateway-metrics.js';

type CounterSeries = ReturnType<GatewayMetrics['tokens']['labels']>;
type HistogramSeries = ReturnType<GatewayMetrics['chatDuration']['labels']>;
type GaugeSeries = ReturnType<GatewayMetrics['streamsInFlight']['labels']>;

/** The labels of a chat request no deployment answered. */
const NO_DEPLOYMENT = { provider: 'none', model: 'none' } as const;

/** A deployment as labels: its provider and the provider's model id, as in a request summary. */
function deploymentLabels(deployment: Pick<Deployment, 'provider' | 'id'>): { provider: string; model: string } {
  return { provider: deployment.provider, model: deployment.id };
}

/** Turns what chat serving reports into the gateway's Prometheus metrics. */
@Injectable()
export class ChatMetricsObserver implements ChatObserver, OnModuleInit {
  /** Each deployment's newest report; the gauges are set from it when they are read. */
  private readonly latestReports = new Map<string, { labels: { provider: string; model: string }; report: RateLimitSnapshot }>();
  /** Labelled series by a plain string key: prom-client would hash the label set on every update. */
  private readonly requestSeries = new Map<string, { requests: CounterSeries; duration: HistogramSeries }>();
  private readonly answerSeries = new Map<string, { firstToken: HistogramSeries; prompt: CounterSeries; completion: CounterSeries }>();
  private readonly streamSeries = new Map<string, GaugeSeries>();

  constructor(
    private readonly telemetry: ChatTelemetry,
    private readonly metrics: GatewayMetrics,
    private readonly catalog: ModelCatalog,
  ) {}

  onModuleInit(): void {
    this.metrics.publishProviderReports = () => this.publishProviderReports();
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
    const latest = this.latestReports.get(deployment.key);
    // ISO 8601 times in one format order as strings: no date parsing per response. An older
    // report arriving late never replaces a newer one.
    if (latest && latest.report.observedAt > report.observedAt) return;
    this.latestReports.set(deployment.key, { labels: latest?.labels ?? deploymentLabels(deployment), report });
  }

  private publishProviderReports(): void {
    for (const { labels, report } of this.latestReports.values()) {
      for (const { resource, window, remaining, limit } of report.windows) {
        const series = { ...labels, resource, window };
        if (remaining !== undefined) this.metrics.providerRemaining.set(series, remaining);
        if (limit !== undefined) this.metrics.providerLimit.set(series, limit);
      }
    }
  }

  cacheHit(route: ChatRoute, bytes: number): void {
    this.metrics.cacheLookups.inc({ route, result: 'hit' });
    this.metrics.cacheBytes.inc({ direction: 'served' }, bytes);
  }

  cacheMiss(route: ChatRoute): void {
    this.metrics.cacheLookups.inc({ route, result: 'miss' });
  }

  cacheStored(bytes: number): void {
    this.metrics.cacheBytes.inc({ direction: 'stored' }, bytes);
  }

  streamStarted(deployment: Deployment): void {
    this.streams(deployment).inc();
  }

  streamEnded(deployment: Deployment): void {
    this.streams(deployment).dec();
  }

  private streams(deployment: Deployment): GaugeSeries {
    return cached(this.streamSeries, deployment.key, () => this.metrics.streamsInFlight.labels(deploymentLabels(deployment)));
  }

  requestFinished(summary: ChatRequestSummary): void {
    const { route, outcome } = summary;
    const { provider, model } = summary.deployment ?? NO_DEPLOYMENT;
    const request = cached(this.requestSeries, `${route}\u0000${provider}\u0000${model}\u0000${outcome}`, () => ({
      requests: this.metrics.chatRequests.labels({ route, provider, model, outcome }),
      duration: this.metrics.chatDuration.labels({ route, outcome }),
    }));
    request.requests.inc();
    request.duration.observe(summary.durationMs / 1000);
    if (outcome === 'cancelled') this.metrics.cancellations.inc({ route });
    if (!summary.deployment) return;
    const answer = cached(this.answerSeries, `${route}\u0000${provider}\u0000${model}`, () => ({
      firstToken: this.metrics.timeToFirstToken.labels({ route, provider, model }),
      prompt: this.metrics.tokens.labels({ provider, model, kind: 'prompt' }),
      completion: this.metrics.tokens.labels({ provider, model, kind: 'completion' }),
    }));
    if (summary.timeToFirstTokenMs !== null) answer.firstToken.observe(summary.timeToFirstTokenMs / 1000);
    answer.prompt.inc(summary.promptTokens);
    answer.completion.inc(summary.completionTokens);
  }
}

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}
