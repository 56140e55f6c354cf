import { Injectable } from '@nestjs/common';

/**
 * Something a provider sent that the gateway refused to believe as it came. The attempt goes on
 * (a value is dropped or clamped) or ends as a protocol error (an oversized frame); either way it
 * is counted, so an operator sees a provider misbehaving before it costs anything.
 */
export type UpstreamAnomalyKind =
  /** `usage` numbers that are not integers in [0, MAX_USAGE_TOKENS], or a total that does not add up: dropped, the gateway's estimate used. */
  | 'invalid_usage'
  /** An SSE line or event larger than MAX_SSE_FRAME_BYTES: the attempt ends as a protocol error. */
  | 'oversized_frame'
  /** An error body larger than MAX_ERROR_BODY_BYTES: read up to the limit, the rest abandoned. */
  | 'oversized_error_body'
  /** `retry-after` beyond MAX_UPSTREAM_WAIT_MS (or negative): clamped. */
  | 'implausible_retry_after'
  /** An `x-ratelimit-reset-*` beyond MAX_UPSTREAM_WAIT_MS: clamped. */
  | 'implausible_reset'
  /** An `x-ratelimit-limit-*` / `-remaining-*` that is not a finite number >= 0: ignored. */
  | 'invalid_rate_limit'
  /** A model list without a `data` array, or with more than 10,000 entries: the provider keeps its last known list. */
  | 'malformed_model_list';

export const UPSTREAM_ANOMALY_KINDS: readonly UpstreamAnomalyKind[] = [
  'invalid_usage',
  'oversized_frame',
  'oversized_error_body',
  'implausible_retry_after',
  'implausible_reset',
  'invalid_rate_limit',
  'malformed_model_list',
];

/** Where a parser reports what it refused; the adapter binds it to its provider. */
export type AnomalySink = (kind: UpstreamAnomalyKind) => void;

export type UpstreamAnomalyListener = (provider: string, kind: UpstreamAnomalyKind) => void;

/**
 * The one place provider adapters report anomalies to; the metrics module subscribes and counts
 * them. A listener that throws never disturbs the request that saw the anomaly.
 */
@Injectable()
export class UpstreamAnomalies {
  private readonly listeners: UpstreamAnomalyListener[] = [];

  subscribe(listener: UpstreamAnomalyListener): void {
    this.listeners.push(listener);
  }

  report(provider: string, kind: UpstreamAnomalyKind): void {
    for (const listener of this.listeners) {
      try {
        listener(provider, kind);
      } catch {
        // Counting must never fail an upstream attempt.
      }
    }
  }

  /** A sink for one provider's parsers. */
  sinkFor(provider: string): AnomalySink {
    return (kind) => this.report(provider, kind);
  }
}
