import { describe, expect, it } from 'vitest';
import type { UpstreamAnomalyKind } from './upstream-anomalies.js';
import {
  MAX_UPSTREAM_WAIT_MS,
  parseRateLimitHeaders,
  parseResetDuration,
  parseRetryAfter,
  readHeader,
  type RateLimitSnapshot,
  type RateLimitWindowState,
} from './rate-limit-headers.js';

const NOW = Date.parse('2026-03-04T10:20:30.000Z');
const GROQ_WINDOWS = { requests: 'day', tokens: 'minute' } as const;

function window(snapshot: RateLimitSnapshot | null, resource: string, name: string): RateLimitWindowState | undefined {
  return snapshot?.windows.find((w) => w.resource === resource && w.window === name);
}

describe('parseResetDuration', () => {
  it.each([
    ['2m59.56s', 179_560],
    ['7.66s', 7_660],
    ['1h2m3s', 3_723_000],
    ['1h', 3_600_000],
    ['30m', 1_800_000],
  ])('reads the Go duration %s as %i ms', (value, ms) => {
    expect(parseResetDuration(value)).toBeCloseTo(ms, 6);
  });

  it('reads 450ms as milliseconds, not as 450 minutes', () => {
    expect(parseResetDuration('450ms')).toBe(450);
  });

  it('reads minutes followed by milliseconds (1m500ms)', () => {
    expect(parseResetDuration('1m500ms')).toBe(60_500);
  });

  it('reads sub-millisecond units', () => {
    expect(parseResetDuration('1500us')).toBeCloseTo(1.5, 9);
    expect(parseResetDuration('2000000ns')).toBeCloseTo(2, 9);
  });

  it('reads unsuffixed float seconds (Cerebras) as seconds', () => {
    expect(parseResetDuration('33011.38')).toBeCloseTo(33_011_380, 3);
    expect(parseResetDuration('0')).toBe(0);
  });

  it('tolerates surrounding whitespace', () => {
    expect(parseResetDuration(' 7.66s ')).toBeCloseTo(7_660, 6);
  });

  it.each(['', 'soon', '5x', '1m later', '-3s', '1.2.3', 's'])('returns undefined for %j', (value) => {
    expect(parseResetDuration(value)).toBeUndefined();
  });
});

describe('parseRateLimitHeaders', () => {
  const groqHeaders = {
    'x-ratelimit-limit-requests': '14400',
    'x-ratelimit-limit-tokens': '18000',
    'x-ratelimit-remaining-requests': '14370',
    'x-ratelimit-remaining-tokens': '17997',
    'x-ratelimit-reset-requests': '2m59.56s',
    'x-ratelimit-reset-tokens': '7.66s',
  };

  it('maps Groq-style unsuffixed headers to the windows it is given: requests=day, tokens=minute', () => {
    const snapshot = parseRateLimitHeaders(groqHeaders, GROQ_WINDOWS, NOW);
    expect(snapshot?.observedAt).toBe('2026-03-04T10:20:30.000Z');
    expect(snapshot?.windows).toHaveLength(2);
    expect(window(snapshot, 'requests', 'day')).toEqual({
      resource: 'requests',
      window: 'day',
      limit: 14_400,
      remaining: 14_370,
      resetAt: '2026-03-04T10:23:29.560Z',
    });
    expect(window(snapshot, 'tokens', 'minute')).toEqual({
      resource: 'tokens',
      window: 'minute',
      limit: 18_000,
      remaining: 17_997,
      resetAt: '2026-03-04T10:20:37.660Z',
    });
  });

  it('uses the unsuffixed window given by the caller, not a fixed one', () => {
    const snapshot = parseRateLimitHeaders(groqHeaders, { requests: 'minute', tokens: 'hour' }, NOW);
    expect(window(snapshot, 'requests', 'minute')?.limit).toBe(14_400);
    expect(window(snapshot, 'tokens', 'hour')?.limit).toBe(18_000);
  });

  it('reads Cerebras suffixed headers into the window their suffix names', () => {
    const snapshot = parseRateLimitHeaders(
      {
        'x-ratelimit-limit-requests-day': '14400',
        'x-ratelimit-remaining-requests-day': '14399',
        'x-ratelimit-reset-requests-day': '33011.38',
        'x-ratelimit-limit-tokens-minute': '60000',
        'x-ratelimit-remaining-tokens-minute': '0',
        'x-ratelimit-reset-tokens-minute': '29.5',
      },
      GROQ_WINDOWS,
      NOW,
    );
    expect(window(snapshot, 'requests', 'day')).toEqual({
      resource: 'requests',
      window: 'day',
      limit: 14_400,
      remaining: 14_399,
      resetAt: new Date(NOW + 33_011_380).toISOString(),
    });
    expect(window(snapshot, 'tokens', 'minute')).toEqual({
      resource: 'tokens',
      window: 'minute',
      limit: 60_000,
      remaining: 0,
      resetAt: '2026-03-04T10:20:59.500Z',
    });
  });

  it('reads WHATWG Headers the same as a plain object', () => {
    const fromHeaders = parseRateLimitHeaders(new Headers(groqHeaders), GROQ_WINDOWS, NOW);
    expect(fromHeaders).toEqual(parseRateLimitHeaders(groqHeaders, GROQ_WINDOWS, NOW));
    expect(window(fromHeaders, 'tokens', 'minute')?.remaining).toBe(17_997);
  });

  it('matches header names in a plain object case-insensitively', () => {
    const snapshot = parseRateLimitHeaders({ 'X-RateLimit-Remaining-Tokens': '5' }, GROQ_WINDOWS, NOW);
    expect(window(snapshot, 'tokens', 'minute')?.remaining).toBe(5);
  });

  it('leaves out a reset it cannot parse but keeps the other fields', () => {
    const snapshot = parseRateLimitHeaders(
      { 'x-ratelimit-remaining-tokens': '5', 'x-ratelimit-reset-tokens': 'soon' },
      GROQ_WINDOWS,
      NOW,
    );
    expect(window(snapshot, 'tokens', 'minute')).toEqual({ resource: 'tokens', window: 'minute', remaining: 5 });
  });

  it('ignores a limit or remaining that is not a number', () => {
    const snapshot = parseRateLimitHeaders(
      { 'x-ratelimit-limit-tokens': 'lots', 'x-ratelimit-remaining-tokens': '' },
      GROQ_WINDOWS,
      NOW,
    );
    expect(window(snapshot, 'tokens', 'minute')?.limit).toBeUndefined();
    // An empty value is not 0: reading it as 0 would block the deployment until the reset.
    expect(window(snapshot, 'tokens', 'minute')?.remaining).toBeUndefined();
  });

  it('ignores unrelated headers and returns null when there are no rate-limit headers', () => {
    expect(parseRateLimitHeaders({ 'content-type': 'text/event-stream', 'x-request-id': 'r' }, GROQ_WINDOWS, NOW)).toBeNull();
    expect(parseRateLimitHeaders(undefined, GROQ_WINDOWS, NOW)).toBeNull();
    expect(parseRateLimitHeaders(null, GROQ_WINDOWS, NOW)).toBeNull();
  });
});

describe('readHeader', () => {
  it('reads from WHATWG Headers and from plain objects, joining array values', () => {
    expect(readHeader(new Headers({ 'Retry-After': '7' }), 'retry-after')).toBe('7');
    expect(readHeader({ 'Retry-After': '7' }, 'retry-after')).toBe('7');
    expect(readHeader({ 'set-cookie': ['a=1', 'b=2'] }, 'set-cookie')).toBe('a=1, b=2');
    expect(readHeader({ 'retry-after': undefined }, 'retry-after')).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds as milliseconds', () => {
    expect(parseRetryAfter({ 'retry-after': '7' }, NOW)).toBe(7_000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '1.5' }), NOW)).toBe(1_500);
  });

  it('reads an HTTP date as the milliseconds from now until then', () => {
    expect(parseRetryAfter({ 'retry-after': 'Wed, 04 Mar 2026 10:21:00 GMT' }, NOW)).toBe(30_000);
  });

  it('never returns a negative wait for a date in the past', () => {
    expect(parseRetryAfter({ 'retry-after': 'Wed, 04 Mar 2026 10:00:00 GMT' }, NOW)).toBe(0);
  });

  it('returns undefined when the header is missing or unreadable', () => {
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'later' }, NOW)).toBeUndefined();
  });
});

describe('what a provider may claim in its headers', () => {
  function recorder(): { kinds: UpstreamAnomalyKind[]; sink: (kind: UpstreamAnomalyKind) => void } {
    const kinds: UpstreamAnomalyKind[] = [];
    return { kinds, sink: (kind) => kinds.push(kind) };
  }

  it('caps waits at 24 hours', () => {
    expect(MAX_UPSTREAM_WAIT_MS).toBe(86_400_000);
  });

  it('clamps a retry-after beyond 24 hours to 24 hours and reports it', () => {
    const { kinds, sink } = recorder();
    expect(parseRetryAfter({ 'retry-after': '99999999' }, NOW, sink)).toBe(MAX_UPSTREAM_WAIT_MS);
    expect(parseRetryAfter({ 'retry-after': '1e400' }, NOW, sink)).toBe(MAX_UPSTREAM_WAIT_MS);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 04 Mar 2099 10:00:00 GMT' }, NOW, sink)).toBe(MAX_UPSTREAM_WAIT_MS);
    expect(kinds).toEqual(['implausible_retry_after', 'implausible_retry_after', 'implausible_retry_after']);
  });

  it('keeps a retry-after of exactly 24 hours, unreported', () => {
    const { kinds, sink } = recorder();
    expect(parseRetryAfter({ 'retry-after': '86400' }, NOW, sink)).toBe(MAX_UPSTREAM_WAIT_MS);
    expect(kinds).toEqual([]);
  });

  it('ignores a negative retry-after and reports it', () => {
    const { kinds, sink } = recorder();
    expect(parseRetryAfter({ 'retry-after': '-5' }, NOW, sink)).toBeUndefined();
    expect(kinds).toEqual(['implausible_retry_after']);
  });

  it('clamps a reset beyond 24 hours (Go duration or seconds) and reports it', () => {
    const { kinds, sink } = recorder();
    const snapshot = parseRateLimitHeaders(
      { 'x-ratelimit-reset-tokens': '9999999h', 'x-ratelimit-reset-requests-day': '99999999999', 'x-ratelimit-reset-requests-minute': '30' },
      GROQ_WINDOWS,
      NOW,
      sink,
    );
    const capped = new Date(NOW + MAX_UPSTREAM_WAIT_MS).toISOString();
    expect(window(snapshot, 'tokens', 'minute')?.resetAt).toBe(capped);
    expect(window(snapshot, 'requests', 'day')?.resetAt).toBe(capped);
    expect(window(snapshot, 'requests', 'minute')?.resetAt).toBe(new Date(NOW + 30_000).toISOString());
    expect(kinds).toEqual(['implausible_reset', 'implausible_reset']);
  });

  it.each([['-5'], ['NaN'], ['Infinity'], ['1e400'], ['abc'], ['']])('ignores a limit or remaining of %j and reports it', (value) => {
    const { kinds, sink } = recorder();
    const snapshot = parseRateLimitHeaders(
      { 'x-ratelimit-limit-tokens': value, 'x-ratelimit-remaining-tokens': value, 'x-ratelimit-limit-requests': '1000' },
      GROQ_WINDOWS,
      NOW,
      sink,
    );
    expect(window(snapshot, 'tokens', 'minute')).toEqual({ resource: 'tokens', window: 'minute' });
    expect(window(snapshot, 'requests', 'day')?.limit).toBe(1000);
    expect(kinds).toEqual(['invalid_rate_limit', 'invalid_rate_limit']);
  });

  it('reports nothing for well-formed headers', () => {
    const { kinds, sink } = recorder();
    parseRateLimitHeaders({ 'x-ratelimit-limit-tokens': '8000', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '7.66s' }, GROQ_WINDOWS, NOW, sink);
    parseRetryAfter({ 'retry-after': '5' }, NOW, sink);
    expect(kinds).toEqual([]);
  });
});
