import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Time to first token of an LLM answer: tens of milliseconds on a warm model, up to the first-token timeout. */
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 30];
/** A whole chat request, from arrival to its last byte: long answers stream for minutes. */
const CHAT_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
/** Any HTTP exchange: JSON endpoints answer in milliseconds, a stream lasts as long as its answer. */
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * The gateway's own metrics, in its app registry. `provider` and `model` (the provider's model
 * id) name a catalog deployment; every other label is an enum-like kind. Nothing a client chooses
 * (key names, request ids, requested model text, raw paths) becomes a label value.
 */
@Injectable()
export class GatewayMetrics {
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly chatRequests: Counter<'route' | 'provider' | 'model' | 'outcome'>;
  readonly chatDuration: Histogram<'route' | 'outcome'>;
  readonly timeToFirstToken: Histogram<'route' | 'provider' | 'model'>;
  readonly tokens: Counter<'provider' | 'model' | 'kind'>;
  readonly fallbacks: Counter<'provider' | 'model' | 'reason'>;
  readonly limiterRejections: Counter<'provider' | 'model' | 'cause'>;
  readonly cancellations: Counter<'route'>;
  readonly streamsInFlight: Gauge<'provider' | 'model'>;
  readonly upstreamErrors: Counter<'provider' | 'model' | 'kind'>;
  readonly upstreamAnomalies: Counter<'provider' | 'kind'>;
  readonly providerRemaining: Gauge<'provider' | 'model' | 'resource' | 'window'>;
  readonly providerLimit: Gauge<'provider' | 'model' | 'resource' | 'window'>;
  readonly cacheLookups: Counter<'route' | 'result'>;
  readonly cacheBytes: Counter<'direction'>;

  /** Sets the provider gauges when they are read (a scrape), not on every response. */
  publishProviderReports: (() => void) | null = null;

  constructor(registry: Registry) {
    const registers = [registry];
    this.httpRequests = new Counter({
      name: 'llm_gateway_http_requests_total',
      help: 'HTTP requests by method, route template (unmatched for 404s no route matched) and status; 499: the client left before the response was complete.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'llm_gateway_http_request_duration_seconds',
      help: 'HTTP requests from routing to the last byte written (or the client leaving).',
      labelNames: ['method', 'route'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.chatRequests = new Counter({
      name: 'llm_gateway_chat_requests_total',
      help: 'Chat requests by API route, the deployment that answered (none: no deployment did) and outcome (completed, rejected, failed, interrupted, cancelled).',
      labelNames: ['route', 'provider', 'model', 'outcome'],
      registers,
    });
    this.chatDuration = new Histogram({
      name: 'llm_gateway_chat_request_duration_seconds',
      help: 'Chat requests from arrival to their end, by API route and outcome.',
      labelNames: ['route', 'outcome'],
      buckets: CHAT_DURATION_BUCKETS,
      registers,
    });
    this.timeToFirstToken = new Histogram({
      name: 'llm_gateway_time_to_first_token_seconds',
      help: 'From the arrival of a chat request to the first token of its answer, fallbacks included, by the deployment that answered.',
      labelNames: ['route', 'provider', 'model'],
      buckets: FIRST_TOKEN_BUCKETS,
      registers,
    });
    this.tokens = new Counter({
      name: 'llm_gateway_tokens_total',
      help: 'Tokens of answered chat requests by deployment and kind (prompt, completion), as the provider reported them or as estimated when it did not.',
      labelNames: ['provider', 'model', 'kind'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'llm_gateway_fallbacks_total',
      help: 'Times a request moved on from this deployment to the next candidate, by the upstream error kind that made it.',
      labelNames: ['provider', 'model', 'reason'],
      registers,
    });
    this.limiterRejections = new Counter({
      name: 'llm_gateway_limiter_rejections_total',
      help: 'Times a deployment was skipped for a request before any upstream call: its limits or cooldown (limits) or its open circuit breaker (circuit).',
      labelNames: ['provider', 'model', 'cause'],
      registers,
    });
    this.cancellations = new Counter({
      name: 'llm_gateway_cancellations_total',
      help: 'Chat requests stopped because the client went away, by API route.',
      labelNames: ['route'],
      registers,
    });
    this.streamsInFlight = new Gauge({
      name: 'llm_gateway_streams_in_flight',
      help: 'Answers streaming from a deployment now.',
      labelNames: ['provider', 'model'],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: 'llm_gateway_upstream_errors_total',
      help: 'Failed upstream calls (before or after the first token) by deployment and kind (rate_limited, server_error, timeout, connection, ...).',
      labelNames: ['provider', 'model', 'kind'],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'llm_gateway_cache_lookups_total',
      help: 'Cacheable chat requests (CACHE=memory|redis) by route and result: hit (answered from the cache, no upstream call) or miss.',
      labelNames: ['route', 'result'],
      registers,
    });
    this.cacheBytes = new Counter({
      name: 'llm_gateway_cache_bytes_total',
      help: 'Bytes of cached answers, by direction: stored (completed answers written to the cache) and served (replayed on hits).',
      labelNames: ['direction'],
      registers,
    });
    this.upstreamAnomalies = new Counter({
      name: 'llm_gateway_upstream_anomalies_total',
      help: 'Things a provider sent that the gateway did not believe, by provider and kind: invalid_usage (usage dropped, the estimate used), oversized_frame (the attempt ended as a protocol error), oversized_error_body (read no further), implausible_retry_after and implausible_reset (clamped to 24 h), invalid_rate_limit (header ignored), malformed_model_list (the last good list kept).',
      labelNames: ['provider', 'kind'],
      registers,
    });
    this.providerRemaining = new Gauge({
      name: 'llm_gateway_provider_remaining',
      help: "What the provider last reported left in a window (x-ratelimit-remaining-* headers), by resource (requests, tokens) and window (minute, hour, day).",
      labelNames: ['provider', 'model', 'resource', 'window'],
      collect: () => this.publishProviderReports?.(),
      registers,
    });
    this.providerLimit = new Gauge({
      name: 'llm_gateway_provider_limit',
      help: 'The limit the provider last reported for a window (x-ratelimit-limit-* headers), by resource and window.',
      labelNames: ['provider', 'model', 'resource', 'window'],
      collect: () => this.publishProviderReports?.(),
      registers,
    });
  }
}
