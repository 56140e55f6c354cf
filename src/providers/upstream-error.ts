import type { RateLimitSnapshot } from './rate-limit-headers.js';

/**
 * Why an upstream attempt failed, in the gateway's terms. Every SDK error and every
 * broken stream becomes one of these, so failover decides on the kind alone.
 */
export type UpstreamErrorKind =
  | 'rate_limited' // 429: this deployment's quota; cool it down
  | 'overloaded' // provider capacity (Groq 498, Cerebras queue_exceeded): try elsewhere, no cooldown
  | 'payload_too_large' // Groq 413: this request exceeds the model's TPM; try elsewhere
  | 'server_error' // 5xx, or an error frame inside the stream
  | 'timeout' // the gateway's first-token or idle timer fired
  | 'connection' // refused, reset, or a stream that ended without its end marker
  | 'protocol' // a chunk that is not valid JSON
  | 'model_unavailable' // decommissioned / unknown model, unpaid account: skip until restart
  | 'auth' // the provider rejected the key
  | 'bad_request' // the provider rejected this request's parameters
  | 'aborted'; // the client went away

const FALLBACK_KINDS: ReadonlySet<UpstreamErrorKind> = new Set([
  'rate_limited',
  'overloaded',
  'payload_too_large',
  'server_error',
  'timeout',
  'connection',
  'protocol',
  'model_unavailable',
  'auth',
]);

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';

  constructor(
    readonly kind: UpstreamErrorKind,
    /** A safe, fixed description: never the provider's own text (it may name the organisation). */
    message: string,
    readonly details: { status?: number; code?: string; retryAfterMs?: number; rateLimit?: RateLimitSnapshot | null } = {},
  ) {
    super(message);
  }

  /** Whether another deployment may succeed where this one failed. */
  get worthFallingBack(): boolean {
    return FALLBACK_KINDS.has(this.kind);
  }
}

/** Maps an HTTP status and the provider's error code to a kind. */
export function classifyHttpFailure(status: number, code: string | undefined): UpstreamErrorKind {
  if (code === 'model_decommissioned' || code === 'model_not_found') return 'model_unavailable';
  if (code === 'queue_exceeded' || code === 'capacity_exceeded') return 'overloaded';
  if (status === 429) return 'rate_limited';
  if (status === 413) return 'payload_too_large';
  if (status === 498) return 'overloaded';
  if (status === 401 || status === 403) return 'auth';
  if (status === 402 || status === 404) return 'model_unavailable';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

// Only codes from the providers' documentation are repeated; anything else could carry text.
const KNOWN_CODES: ReadonlySet<string> = new Set([
  'rate_limit_exceeded',
  'request_quota_exceeded',
  'token_quota_exceeded',
  'queue_exceeded',
  'capacity_exceeded',
  'model_decommissioned',
  'model_not_found',
  'payment_required',
  'invalid_api_key',
]);

/** A fixed description of an HTTP failure: the status and, if documented, the provider's code. */
export function describeHttpFailure(provider: string, status: number, code: string | undefined): string {
  return `${provider} answered ${status}${code && KNOWN_CODES.has(code) ? ` (${code})` : ''}`;
}
