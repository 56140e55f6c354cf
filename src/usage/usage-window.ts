import type { ModelLimits } from '../config/model-limits.dto.js';

export type WindowName = 'minute' | 'hour' | 'day';

export const WINDOW_NAMES: readonly WindowName[] = ['minute', 'hour', 'day'];

/** The catalog limits that apply to each window. */
export const LIMIT_FIELDS: Record<WindowName, { requests: keyof ModelLimits; tokens: keyof ModelLimits }> = {
  minute: { requests: 'requestsPerMinute', tokens: 'tokensPerMinute' },
  hour: { requests: 'requestsPerHour', tokens: 'tokensPerHour' },
  day: { requests: 'requestsPerDay', tokens: 'tokensPerDay' },
};

export const WINDOW_MS: Record<WindowName, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * A fixed window aligned to the UTC clock (the epoch is a UTC midnight, so a day window starts
 * at 00:00 UTC). Fixed windows keep the check cheap and identical on every replica.
 */
export class UsageWindow {
  start = 0;
  requests = 0;
  promptTokens = 0;
  completionTokens = 0;
  /** Tokens held by requests still in flight. */
  reservedTokens = 0;

  constructor(readonly name: WindowName) {}

  /** Starts a fresh window when `now` has left the current one. */
  roll(now: number): this {
    const start = now - (now % WINDOW_MS[this.name]);
    if (start !== this.start) {
      this.start = start;
      this.requests = 0;
      this.promptTokens = 0;
      this.completionTokens = 0;
      this.reservedTokens = 0;
    }
    return this;
  }

  get end(): number {
    return this.start + WINDOW_MS[this.name];
  }

  /** Tokens spent plus tokens held by requests in flight. */
  get committedTokens(): number {
    return this.promptTokens + this.completionTokens + this.reservedTokens;
  }
}
