import { describe, expect, it } from 'vitest';
import { deployment } from '../../test/support/fixtures.js';
import {
  NoModelAvailableError,
  RateLimitedError,
  RequestTooLargeError,
  UpstreamFailedError,
  UpstreamTimeoutError,
  type AttemptRecord,
  type GatewayError,
} from '../common/errors/gateway-errors.js';
import type { Deployment } from '../config/model-catalog.js';
import { UpstreamError, type UpstreamErrorKind } from '../providers/upstream-error.js';
import type { Refusal } from '../usage/usage-tracker.service.js';
import { chooseFinalError } from './final-error.js';

const NOW = Date.parse('2026-03-04T10:20:30.000Z');
const DEFAULT_COOLDOWN_MS = 30_000;

const groq = deployment('groq', 'a');
const cerebras = deployment('cerebras', 'b');

const failed = (target: Deployment, kind: UpstreamErrorKind, details: UpstreamError['details'] = {}) => ({
  attempt: { model: target.id, provider: target.provider, error: kind } satisfies AttemptRecord,
  failure: new UpstreamError(kind, `${target.provider} failed with ${kind}`, details),
});

const refused = (target: Deployment, blockedBy: Refusal['blockedBy'], retryAt: number, reason = 'no room'): Refusal => ({
  deployment: target,
  blockedBy,
  retryAt,
  reason,
});

/** The final error for these failed attempts (in order) and refusals. */
function choose(tried: Array<ReturnType<typeof failed>>, blocked: Refusal[] = []): GatewayError {
  return chooseFinalError(
    tried.map((entry) => entry.attempt),
    tried.map((entry) => entry.failure),
    blocked,
    NOW,
    DEFAULT_COOLDOWN_MS,
  ) as GatewayError;
}

describe('chooseFinalError', () => {
  it('answers 503 no_models_available, with the earliest reopening as retry-after, when only open circuits turned the request away', () => {
    const error = choose([], [refused(groq, 'circuit', NOW + 12_000, 'circuit open'), refused(cerebras, 'circuit', NOW + 4_500, 'circuit open')]);
    expect(error).toBeInstanceOf(NoModelAvailableError);
    expect(error.status).toBe(503);
    expect(error.code).toBe('no_models_available');
    expect(error.headers['retry-after']).toBe('5');
    expect(error.message).toContain('groq/a: circuit open');
    expect(error.message).toContain('cerebras/b: circuit open');
  });

  it('answers 413 request_too_large when every attempt was too large and every other candidate can never fit', () => {
    const error = choose([failed(groq, 'payload_too_large')], [refused(cerebras, 'limits', Number.POSITIVE_INFINITY, 'is larger than a minute')]);
    expect(error).toBeInstanceOf(RequestTooLargeError);
    expect(error.code).toBe('request_too_large');
    expect(error.message).toContain('groq failed with payload_too_large');
    expect(error.message).toContain('cerebras/b is larger than a minute');
  });

  it('does not answer 413 when another candidate was only busy: that one may take the request later', () => {
    const error = choose([failed(groq, 'payload_too_large')], [refused(cerebras, 'limits', NOW + 10_000)]);
    expect(error).toBeInstanceOf(UpstreamFailedError);
  });

  it('answers 413 when only limits turned the request away and none of them ever resets in time', () => {
    const error = choose([], [refused(groq, 'limits', Number.POSITIVE_INFINITY, 'needs more than the 500 tokens per minute limit')]);
    expect(error).toBeInstanceOf(RequestTooLargeError);
    expect(error.message).toContain('groq/a needs more than the 500 tokens per minute limit');
  });

  it('answers 429 with the earliest retry among refusals and 429 cooldowns when only limits stood in the way', () => {
    const error = choose(
      [failed(groq, 'rate_limited', { retryAfterMs: 7_000 })],
      [refused(cerebras, 'limits', NOW + 20_000)],
    );
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.status).toBe(429);
    expect(error.headers['retry-after']).toBe('7');
    expect(error.details).toEqual({ attempts: [{ model: 'a', provider: 'groq', error: 'rate_limited' }] });
  });

  it('takes the default cooldown for a 429 that named no wait, and never asks for less than a second', () => {
    expect((choose([failed(groq, 'rate_limited')]) as RateLimitedError).retryAfterSeconds).toBe(30);
    expect((choose([], [refused(groq, 'limits', NOW + 10)]) as RateLimitedError).retryAfterSeconds).toBe(1);
  });

  it('answers 504 upstream_timeout when every attempt timed out', () => {
    const error = choose([failed(groq, 'timeout'), failed(cerebras, 'timeout')]);
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error.status).toBe(504);
    expect(error.message).toBe('No model answered in time (groq/a: timeout; cerebras/b: timeout).');
  });

  it('answers 502 upstream_error, listing every attempt, when the failures were mixed', () => {
    const error = choose([failed(groq, 'timeout'), failed(cerebras, 'rate_limited')], [refused(groq, 'limits', NOW + 1_000)]);
    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect(error.status).toBe(502);
    expect(error.code).toBe('upstream_error');
    expect(error.message).toBe('No model could answer (groq/a: timeout; cerebras/b: rate_limited).');
    expect(error.details).toEqual({
      attempts: [
        { model: 'a', provider: 'groq', error: 'timeout' },
        { model: 'b', provider: 'cerebras', error: 'rate_limited' },
      ],
    });
  });
});
