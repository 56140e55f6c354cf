import type { AnomalySink } from './upstream-anomalies.js';

/**
 * The longest wait a provider may ask for, in `retry-after` or an `x-ratelimit-reset-*` header:
 * 24 hours, the longest window any provider documents (a daily quota). A longer value is clamped
 * to it (and counted), so one header can never take a deployment out for longer than a day.
 */
export const MAX_UPSTREAM_WAIT_MS = 24 * 60 * 60 * 1000;

const ignore: AnomalySink = () => undefined;

export type RateLimitResource = 'requests' | 'tokens';
export type RateLimitWindowName = 'minute' | 'hour' | 'day';

export interface RateLimitWindowState {
  resource: RateLimitResource;
  window: RateLimitWindowName;
  limit?: number;
  remaining?: number;
  /** ISO time when the provider said the window resets. */
  resetAt?: string;
}

/** What a provider last reported about its limits in response headers. */
export interface RateLimitSnapshot {
  observedAt: string;
  windows: RateLimitWindowState[];
}

/** What WHATWG `Headers` and the upstream transport's own headers (UpstreamHeaders) both offer. */
export interface HeaderReader {
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

/** Reads headers from header objects and plain objects (SDK errors differ). */
export type HeaderSource = HeaderReader | Record<string, string | string[] | undefined> | undefined | null;

function isHeaderReader(headers: HeaderSource): headers is HeaderReader {
  return typeof (headers as HeaderReader | null)?.forEach === 'function' && typeof (headers as HeaderReader).get === 'function';
}

export function headerEntries(headers: HeaderSource): Array<[string, string]> {
  if (!headers) return [];
  if (isHeaderReader(headers)) {
    const entries: Array<[string, string]> = [];
    headers.forEach((value, key) => entries.push([key.toLowerCase(), value]));
    return entries;
  }
  return Object.entries(headers as Record<string, string | string[] | undefined>)
    .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
    .map(([key, value]) => [key.toLowerCase(), Array.isArray(value) ? value.join(', ') : value]);
}

export function readHeader(headers: HeaderSource, name: string): string | undefined {
  return headerEntries(headers).find(([key]) => key === name)?.[1];
}

const RATE_LIMIT_HEADER = /^x-ratelimit-(limit|remaining|reset)-(requests|tokens)(?:-(minute|hour|day))?$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };

/** Parses float seconds (`33011.38`) or a Go duration (`2m59.56s`, `450ms`) into milliseconds. */
export function parseResetDuration(value: string): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1_000;
  let total = 0;
  let consumed = '';
  for (const match of trimmed.matchAll(DURATION_PART)) {
    total += Number(match[1]) * UNIT_MS[match[2]];
    consumed += match[0];
  }
  return consumed.length > 0 && consumed === trimmed ? total : undefined;
}

/**
 * Parses the `x-ratelimit-*` family. Headers without a window suffix (Groq's) get the window
 * the provider documents for that resource via `unsuffixedWindow`. A limit or remaining count
 * that is not a finite number >= 0 is ignored, a reset beyond MAX_UPSTREAM_WAIT_MS is clamped to
 * it; both are reported to `anomaly`.
 */
export function parseRateLimitHeaders(
  headers: HeaderSource,
  unsuffixedWindow: Record<RateLimitResource, RateLimitWindowName>,
  now: number,
  anomaly: AnomalySink = ignore,
): RateLimitSnapshot | null {
  const windows = new Map<string, RateLimitWindowState>();
  const read = (value: string, name: string) => {
    // Cheap test first: this runs on every upstream response.
    if (!name.startsWith('x-ratelimit-')) return;
    const match = RATE_LIMIT_HEADER.exec(name);
    if (!match) return;
    const [, field, resource, suffix] = match as unknown as [string, 'limit' | 'remaining' | 'reset', RateLimitResource, RateLimitWindowName | undefined];
    const window = suffix ?? unsuffixedWindow[resource];
    const key = `${resource}:${window}`;
    const state = windows.get(key) ?? { resource, window };
    if (field === 'reset') {
      const ms = parseResetDuration(value);
      if (ms !== undefined) state.resetAt = new Date(now + capWait(ms, 'implausible_reset', anomaly)).toISOString();
    } else {
      const number = value.trim() === '' ? Number.NaN : Number(value);
      if (Number.isFinite(number) && number >= 0) state[field] = number;
      else anomaly('invalid_rate_limit');
    }
    windows.set(key, state);
  };
  // Header objects are read in place (no list of every header built first); names are lower-case in both.
  if (isHeaderReader(headers)) headers.forEach((value, name) => read(value, name.toLowerCase()));
  else for (const [name, value] of headerEntries(headers)) read(value, name);
  if (windows.size === 0) return null;
  return { observedAt: new Date(now).toISOString(), windows: [...windows.values()] };
}

/**
 * `retry-after` in seconds or as an HTTP date, in milliseconds from now, at most
 * MAX_UPSTREAM_WAIT_MS. A longer wait is clamped and a negative number of seconds ignored; both
 * are reported to `anomaly`. A date already past means no wait.
 */
export function parseRetryAfter(headers: HeaderSource, now: number, anomaly: AnomalySink = ignore): number | undefined {
  const value = readHeader(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (!Number.isNaN(seconds)) {
    if (seconds < 0) {
      anomaly('implausible_retry_after');
      return undefined;
    }
    return capWait(seconds * 1_000, 'implausible_retry_after', anomaly);
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : capWait(Math.max(0, date - now), 'implausible_retry_after', anomaly);
}

function capWait(ms: number, kind: 'implausible_retry_after' | 'implausible_reset', anomaly: AnomalySink): number {
  if (ms <= MAX_UPSTREAM_WAIT_MS) return ms;
  anomaly(kind);
  return MAX_UPSTREAM_WAIT_MS;
}
