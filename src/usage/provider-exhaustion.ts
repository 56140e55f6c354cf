import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';

/** The windows a provider reported as used up and not yet reset. */
export function providerExhaustion(snapshot: RateLimitSnapshot, now: number): Array<{ resetAt: number; reason: string }> {
  const exhausted: Array<{ resetAt: number; reason: string }> = [];
  for (const window of snapshot.windows) {
    const resetAt = window.resetAt ? Date.parse(window.resetAt) : 0;
    if (window.remaining !== undefined && window.remaining <= 0 && resetAt > now) {
      exhausted.push({ resetAt, reason: `provider reports no ${window.resource} left this ${window.window}` });
    }
  }
  return exhausted;
}
