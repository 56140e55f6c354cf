import {
  NoModelAvailableError,
  RateLimitedError,
  RequestTooLargeError,
  UpstreamFailedError,
  UpstreamTimeoutError,
  type AttemptRecord,
} from '../common/errors/gateway-errors.js';
import type { UpstreamError } from '../providers/upstream-error.js';
import type { Refusal } from '../usage/usage-tracker.service.js';

/**
 * The error a request gets once no candidate is left: from the attempts that failed before a
 * first token and the candidates the limiter or the circuit breaker turned away. `now` and
 * `defaultCooldownMs` (for a 429 that named no wait) give the retry-after.
 */
export function chooseFinalError(
  attempts: AttemptRecord[],
  failures: UpstreamError[],
  blocked: Refusal[],
  now: number,
  defaultCooldownMs: number,
): Error {
  const retryAfterSeconds = (retryAt: number) => Math.max(1, Math.ceil((retryAt - now) / 1000));
  const limited = blocked.filter((entry) => entry.blockedBy === 'limits');
  if (failures.length === 0 && limited.length === 0 && blocked.length > 0) {
    // Only open circuits: the deployments are failing, not busy, so this is no rate limit.
    const reasons = blocked.map((entry) => `${entry.deployment.key}: ${entry.reason}`).join('; ');
    const error = new NoModelAvailableError(`No model can serve this request now (${reasons}).`);
    error.headers['retry-after'] = String(retryAfterSeconds(Math.min(...blocked.map((entry) => entry.retryAt))));
    return error;
  }
  // The provider said the request is larger than it ever accepts (Groq's 413) and no other
  // candidate could take it either: waiting or retrying cannot help.
  const neverFits = blocked.every((entry) => entry.retryAt === Number.POSITIVE_INFINITY);
  if (failures.length > 0 && neverFits && failures.every((failure) => failure.kind === 'payload_too_large')) {
    return new RequestTooLargeError([
      ...failures.map((failure) => failure.message),
      ...blocked.map((entry) => `${entry.deployment.key} ${entry.reason}`),
    ]);
  }
  const onlyLimits = failures.every((failure) => failure.kind === 'rate_limited');
  if (onlyLimits && (limited.length > 0 || failures.length > 0)) {
    const cooldowns = failures.map((failure) => now + (failure.details.retryAfterMs ?? defaultCooldownMs));
    const earliest = Math.min(...blocked.map((entry) => entry.retryAt), ...cooldowns);
    if (earliest === Number.POSITIVE_INFINITY) {
      return new RequestTooLargeError(blocked.map((entry) => `${entry.deployment.key} ${entry.reason}`));
    }
    return new RateLimitedError(retryAfterSeconds(earliest), { attempts });
  }
  const summary = attempts.map((attempt) => `${attempt.provider}/${attempt.model}: ${attempt.error}`).join('; ');
  if (failures.every((failure) => failure.kind === 'timeout')) {
    return new UpstreamTimeoutError(`No model answered in time (${summary}).`, { attempts });
  }
  return new UpstreamFailedError(`No model could answer (${summary}).`, { attempts });
}
