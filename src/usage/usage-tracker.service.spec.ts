import { beforeEach, describe, expect, it } from 'vitest';
import { deployment as buildDeployment, FakeClock } from '../../test/support/fixtures.js';
import type { Deployment } from '../config/model-catalog.js';
import type { ModelLimits } from '../config/model-limits.dto.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { UpstreamErrorKind } from '../providers/upstream-error.js';
import type { CircuitBreakerSettings } from './circuit-breaker.js';
import { InMemoryLimitStore } from './in-memory-limit-store.js';
import { UsageTracker, type Reservation, type ReserveResult } from './usage-tracker.service.js';

const at = (iso: string) => Date.parse(iso);

/** groq/m, with limits too generous to matter unless a test sets them. */
const deployment = (limits: Partial<ModelLimits> = {}): Deployment =>
  buildDeployment('groq', 'm', {
    limits: { requestsPerMinute: 100, requestsPerDay: 10_000, tokensPerMinute: 1_000_000, tokensPerDay: 10_000_000, ...limits },
  });

function admitted(result: ReserveResult): Reservation {
  if (!result.admitted) throw new Error(`expected admission, was refused: ${result.reason}`);
  return result.reservation;
}

function refused(result: ReserveResult): { retryAt: number; reason: string } {
  if (result.admitted) throw new Error('expected a refusal, was admitted');
  return result;
}

describe('UsageTracker', () => {
  let clock: FakeClock;
  let tracker: UsageTracker;

  beforeEach(() => {
    clock = new FakeClock(at('2026-03-04T10:20:30.000Z'));
    tracker = new UsageTracker(clock, null, new InMemoryLimitStore(clock));
  });

  it('refuses for good (retryAt Infinity) a request larger than a whole token window', () => {
    const small = deployment({ tokensPerMinute: 500 });
    const result = refused(tracker.tryReserve(small, 501));
    expect(result.retryAt).toBe(Number.POSITIVE_INFINITY);
    expect(result.reason).toContain('more than the 500 tokens per minute limit');
    expect(admitted(tracker.tryReserve(small, 500))).toBeDefined();
  });

  describe('requests per minute', () => {
    it('admits up to requestsPerMinute and refuses the next until the end of the current UTC minute', () => {
      const model = deployment({ requestsPerMinute: 3 });
      for (let i = 0; i < 3; i++) admitted(tracker.tryReserve(model, 10));
      const refusal = refused(tracker.tryReserve(model, 10));
      expect(refusal.retryAt).toBe(at('2026-03-04T10:21:00.000Z'));
      expect(refusal.reason).toContain('requests per minute');
    });

    it('counts a settled request against the minute (requests are not released on settle)', () => {
      const model = deployment({ requestsPerMinute: 1 });
      tracker.settle(admitted(tracker.tryReserve(model, 10)), 'completed');
      expect(tracker.tryReserve(model, 10).admitted).toBe(false);
    });

    it('rolls the minute window over at the next UTC minute boundary', () => {
      const model = deployment({ requestsPerMinute: 1 });
      admitted(tracker.tryReserve(model, 10));
      clock.set('2026-03-04T10:20:59.999Z');
      expect(tracker.tryReserve(model, 10).admitted).toBe(false);
      clock.set('2026-03-04T10:21:00.000Z');
      expect(tracker.tryReserve(model, 10).admitted).toBe(true);
    });
  });

  describe('tokens and reservations', () => {
    it('counts the reserved tokens of in-flight requests against tokensPerMinute', () => {
      const model = deployment({ tokensPerMinute: 1_000 });
      admitted(tracker.tryReserve(model, 600));
      const refusal = refused(tracker.tryReserve(model, 401));
      expect(refusal.reason).toContain('tokens per minute');
      expect(refusal.retryAt).toBe(at('2026-03-04T10:21:00.000Z'));
      admitted(tracker.tryReserve(model, 400));
    });

    it('settle() releases the reservation and books the tokens actually used', () => {
      const model = deployment({ tokensPerMinute: 1_000 });
      const reservation = admitted(tracker.tryReserve(model, 900));
      tracker.settle(reservation, 'completed', { promptTokens: 100, completionTokens: 50, totalTokens: 150 });

      const minute = tracker.windows(model.key).minute;
      expect(minute.reservedTokens).toBe(0);
      expect(minute.promptTokens).toBe(100);
      expect(minute.completionTokens).toBe(50);
      admitted(tracker.tryReserve(model, 850));
      refused(tracker.tryReserve(model, 1));
    });

    it('books actual usage in the hour and day windows too', () => {
      const model = deployment();
      const reservation = admitted(tracker.tryReserve(model, 900));
      tracker.settle(reservation, 'completed', { promptTokens: 100, completionTokens: 50, totalTokens: 150 });
      const { hour, day } = tracker.windows(model.key);
      expect([hour.reservedTokens, hour.promptTokens, hour.completionTokens]).toEqual([0, 100, 50]);
      expect([day.reservedTokens, day.promptTokens, day.completionTokens]).toEqual([0, 100, 50]);
    });

    it('settle() is idempotent: a second call changes nothing', () => {
      const model = deployment();
      const first = admitted(tracker.tryReserve(model, 300));
      admitted(tracker.tryReserve(model, 200));
      const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15 };
      tracker.settle(first, 'completed', usage);
      tracker.settle(first, 'failed', usage);

      const minute = tracker.windows(model.key).minute;
      expect(minute.reservedTokens).toBe(200);
      expect(minute.promptTokens).toBe(10);
      expect(tracker.counters(model.key)).toMatchObject({ inFlight: 1, completed: 1, failures: 0, promptTokens: 10 });
    });

    it('does not subtract a reservation made in an earlier minute from the new minute after rollover', () => {
      const model = deployment({ tokensPerMinute: 1_000 });
      clock.set('2026-03-04T10:20:59.000Z');
      const old = admitted(tracker.tryReserve(model, 500));
      clock.set('2026-03-04T10:21:00.000Z');
      admitted(tracker.tryReserve(model, 300));
      tracker.settle(old, 'cancelled');

      const { minute, hour } = tracker.windows(model.key);
      expect(minute.reservedTokens).toBe(300);
      // The hour window did not roll, so it does release the old reservation.
      expect(hour.reservedTokens).toBe(300);
      refused(tracker.tryReserve(model, 701));
    });
  });

  describe('hour and day windows', () => {
    it('enforces requestsPerHour when configured, until the next UTC hour', () => {
      const model = deployment({ requestsPerHour: 2 });
      admitted(tracker.tryReserve(model, 1));
      clock.set('2026-03-04T10:40:00.000Z');
      admitted(tracker.tryReserve(model, 1));
      clock.set('2026-03-04T10:59:59.999Z');
      const refusal = refused(tracker.tryReserve(model, 1));
      expect(refusal.retryAt).toBe(at('2026-03-04T11:00:00.000Z'));
      expect(refusal.reason).toContain('requests per hour');
      clock.set('2026-03-04T11:00:00.000Z');
      admitted(tracker.tryReserve(model, 1));
    });

    it('enforces tokensPerHour when configured', () => {
      const model = deployment({ tokensPerHour: 1_000 });
      admitted(tracker.tryReserve(model, 800));
      clock.set('2026-03-04T10:45:00.000Z');
      const refusal = refused(tracker.tryReserve(model, 300));
      expect(refusal.reason).toContain('tokens per hour');
      expect(refusal.retryAt).toBe(at('2026-03-04T11:00:00.000Z'));
    });

    it('sets no hour limit when requestsPerHour and tokensPerHour are absent', () => {
      const model = deployment({ requestsPerMinute: 1 });
      for (let minute = 0; minute < 60; minute++) {
        clock.time = at('2026-03-04T10:00:00.000Z') + minute * 60_000;
        admitted(tracker.tryReserve(model, 100_000));
      }
      expect(tracker.windows(model.key).hour.requests).toBe(60);
    });

    it('rolls the day window over at UTC midnight (23:59:59.999 → 00:00:00.000)', () => {
      const model = deployment({ requestsPerDay: 2 });
      clock.set('2026-03-04T00:00:00.000Z');
      admitted(tracker.tryReserve(model, 1));
      clock.set('2026-03-04T12:00:00.000Z');
      admitted(tracker.tryReserve(model, 1));
      clock.set('2026-03-04T23:59:59.999Z');
      const refusal = refused(tracker.tryReserve(model, 1));
      expect(refusal.retryAt).toBe(at('2026-03-05T00:00:00.000Z'));
      expect(refusal.reason).toContain('requests per day');
      clock.set('2026-03-05T00:00:00.000Z');
      admitted(tracker.tryReserve(model, 1));
    });

    it('enforces tokensPerDay across minutes and hours', () => {
      const model = deployment({ tokensPerDay: 1_000 });
      tracker.settle(admitted(tracker.tryReserve(model, 600)), 'completed', {
        promptTokens: 500,
        completionTokens: 100,
        totalTokens: 600,
      });
      clock.set('2026-03-04T18:00:00.000Z');
      const refusal = refused(tracker.tryReserve(model, 401));
      expect(refusal.retryAt).toBe(at('2026-03-05T00:00:00.000Z'));
      admitted(tracker.tryReserve(model, 400));
    });

    it('reports the latest retryAt when several windows are full', () => {
      const model = deployment({ requestsPerMinute: 1, requestsPerDay: 1 });
      admitted(tracker.tryReserve(model, 1));
      expect(refused(tracker.tryReserve(model, 1)).retryAt).toBe(at('2026-03-05T00:00:00.000Z'));
    });
  });

  describe('cooldown', () => {
    it('refuses every request until the cooldown ends, then admits again', () => {
      const model = deployment();
      tracker.coolDown(model.key, 5_000);
      const refusal = refused(tracker.tryReserve(model, 1));
      expect(refusal.retryAt).toBe(at('2026-03-04T10:20:35.000Z'));
      expect(tracker.cooldownUntil(model.key)).toBe(at('2026-03-04T10:20:35.000Z'));

      clock.set('2026-03-04T10:20:34.999Z');
      refused(tracker.tryReserve(model, 1));
      clock.set('2026-03-04T10:20:35.000Z');
      expect(tracker.cooldownUntil(model.key)).toBeNull();
      admitted(tracker.tryReserve(model, 1));
    });

    it('never shortens a running cooldown', () => {
      const model = deployment();
      tracker.coolDown(model.key, 10_000);
      tracker.coolDown(model.key, 1_000);
      expect(tracker.cooldownUntil(model.key)).toBe(at('2026-03-04T10:20:40.000Z'));
    });

    it('reports no cooldown for a deployment never cooled down', () => {
      expect(tracker.cooldownUntil('groq/m')).toBeNull();
    });
  });

  describe("the provider's reported limits", () => {
    const snapshot = (observedAt: string, remaining: number, resetAt: string): RateLimitSnapshot => ({
      observedAt,
      windows: [{ resource: 'requests', window: 'day', limit: 1_000, remaining, resetAt }],
    });

    it('blocks until the reset when the provider reports 0 remaining with a future reset', () => {
      const model = deployment();
      tracker.recordProviderRateLimit(model.key, snapshot('2026-03-04T10:20:30.000Z', 0, '2026-03-04T10:25:00.000Z'));
      const refusal = refused(tracker.tryReserve(model, 1));
      expect(refusal.retryAt).toBe(at('2026-03-04T10:25:00.000Z'));
      expect(refusal.reason).toContain('provider');
      clock.set('2026-03-04T10:25:00.000Z');
      admitted(tracker.tryReserve(model, 1));
    });

    it('does not block when requests remain', () => {
      const model = deployment();
      tracker.recordProviderRateLimit(model.key, snapshot('2026-03-04T10:20:30.000Z', 3, '2026-03-04T10:25:00.000Z'));
      expect(tracker.tryReserve(model, 1).admitted).toBe(true);
    });

    it('keeps the newer snapshot when an older one arrives late', () => {
      const model = deployment();
      const newer = snapshot('2026-03-04T10:20:30.000Z', 5, '2026-03-04T10:25:00.000Z');
      tracker.recordProviderRateLimit(model.key, newer);
      tracker.recordProviderRateLimit(model.key, snapshot('2026-03-04T10:20:29.000Z', 0, '2026-03-04T10:25:00.000Z'));
      expect(tracker.providerRateLimit(model.key)).toEqual(newer);
      admitted(tracker.tryReserve(model, 1));
    });

    it('replaces an older snapshot with a newer one', () => {
      const model = deployment();
      tracker.recordProviderRateLimit(model.key, snapshot('2026-03-04T10:20:29.000Z', 5, '2026-03-04T10:25:00.000Z'));
      const newer = snapshot('2026-03-04T10:20:30.000Z', 0, '2026-03-04T10:25:00.000Z');
      tracker.recordProviderRateLimit(model.key, newer);
      expect(tracker.providerRateLimit(model.key)).toEqual(newer);
    });
  });

  describe('counters', () => {
    it('counts requests, outcomes, fallbacks, refusals and in-flight attempts', () => {
      const model = deployment({ requestsPerMinute: 4 });
      const a = admitted(tracker.tryReserve(model, 1));
      const b = admitted(tracker.tryReserve(model, 1));
      const c = admitted(tracker.tryReserve(model, 1));
      admitted(tracker.tryReserve(model, 1));
      refused(tracker.tryReserve(model, 1));
      refused(tracker.tryReserve(model, 1));
      tracker.settle(a, 'completed', { promptTokens: 7, completionTokens: 3, totalTokens: 10 });
      tracker.settle(b, 'failed');
      tracker.settle(c, 'cancelled');
      tracker.recordFallback(model.key);

      expect(tracker.counters(model.key)).toEqual({
        requests: 4,
        promptTokens: 7,
        completionTokens: 3,
        completed: 1,
        failures: 1,
        cancellations: 1,
        fallbacks: 1,
        limited: 2,
        inFlight: 1,
      });
    });

    it('keeps counters per deployment', () => {
      admitted(tracker.tryReserve(deployment(), 1));
      expect(tracker.counters('cerebras/other')).toMatchObject({ requests: 0, inFlight: 0 });
    });

    it('reports the time it started counting', () => {
      expect(tracker.since).toBe(at('2026-03-04T10:20:30.000Z'));
    });
  });

  describe('utilisation', () => {
    it('is the request share of the minute limit when that is the larger', () => {
      const model = deployment({ requestsPerMinute: 4, tokensPerMinute: 1_000 });
      admitted(tracker.tryReserve(model, 100));
      expect(tracker.utilisation(model)).toBeCloseTo(0.25);
    });

    it('is the token share (spent plus reserved) of the minute limit when that is the larger', () => {
      const model = deployment({ requestsPerMinute: 100, tokensPerMinute: 1_000 });
      const reservation = admitted(tracker.tryReserve(model, 300));
      tracker.settle(reservation, 'completed', { promptTokens: 400, completionTokens: 100, totalTokens: 500 });
      admitted(tracker.tryReserve(model, 200));
      expect(tracker.utilisation(model)).toBeCloseTo(0.7);
    });

    it('drops to 0 when the minute rolls over', () => {
      const model = deployment({ requestsPerMinute: 4 });
      admitted(tracker.tryReserve(model, 1));
      clock.set('2026-03-04T10:21:00.000Z');
      expect(tracker.utilisation(model)).toBe(0);
    });
  });

  describe('reserveFirst on its own (no REDIS_URL)', () => {
    const full = buildDeployment('groq', 'full', { limits: { requestsPerMinute: 0, requestsPerDay: 10, tokensPerMinute: 1_000, tokensPerDay: 10_000 } });
    const free = buildDeployment('cerebras', 'free', { limits: { requestsPerMinute: 10, requestsPerDay: 10, tokensPerMinute: 1_000, tokensPerDay: 10_000 } });
    const plan = (ordered: Deployment[]) => ({ ordered, shared: { candidates: ordered, ordering: 'given' as const } });

    it('reserves the first candidate in the order with room, listing those skipped before it', async () => {
      const result = await tracker.reserveFirst(plan([full, free]), () => 10, Number.POSITIVE_INFINITY);
      expect(result.order).toEqual([full, free]);
      expect(result.admitted?.position).toBe(1);
      expect(result.admitted?.reservation.deploymentKey).toBe('cerebras/free');
      expect(result.refusals).toEqual([
        { deployment: full, retryAt: at('2026-03-04T10:21:00.000Z'), reason: 'requests per minute limit reached', blockedBy: 'limits' },
      ]);
      expect(tracker.counters('groq/full').limited).toBe(1);
    });

    it('considers only the first `considered` candidates', async () => {
      const result = await tracker.reserveFirst(plan([full, free]), () => 10, 1);
      expect(result.admitted).toBeNull();
      expect(result.refusals.map((refusal) => refusal.deployment)).toEqual([full]);
      expect(tracker.counters('cerebras/free').requests).toBe(0);
    });
  });

  describe('nextPick (no REDIS_URL)', () => {
    const first = buildDeployment('groq', 'first', { limits: { requestsPerMinute: 1, requestsPerDay: 10, tokensPerMinute: 1_000, tokensPerDay: 10_000 } });
    const second = buildDeployment('cerebras', 'second', { limits: { requestsPerMinute: 1, requestsPerDay: 10, tokensPerMinute: 1_000, tokensPerDay: 10_000 } });
    const plan = (ordered: Deployment[]) => ({ ordered, shared: { candidates: ordered, ordering: 'given' as const } });

    it('names the first candidate in the order with room, reserving and counting nothing', async () => {
      expect(await tracker.nextPick(plan([first, second]))).toBe(first);
      expect(await tracker.nextPick(plan([first, second]))).toBe(first);
      expect(tracker.counters('groq/first')).toMatchObject({ requests: 0, limited: 0, inFlight: 0 });
      expect(tracker.windows('groq/first').minute.requests).toBe(0);
    });

    it('passes over a candidate at its limit or cooling down, and names none when no candidate has room', async () => {
      admitted(tracker.tryReserve(first, 1));
      expect(await tracker.nextPick(plan([first, second]))).toBe(second);
      tracker.coolDown('cerebras/second', 30_000);
      expect(await tracker.nextPick(plan([first, second]))).toBeNull();
      expect(tracker.counters('cerebras/second').limited).toBe(0);
    });
  });

  describe('availability', () => {
    it('remembers why a deployment was marked unavailable', () => {
      expect(tracker.unavailableReason('groq/m')).toBeNull();
      tracker.markUnavailable('groq/m', 'model decommissioned');
      expect(tracker.unavailableReason('groq/m')).toBe('model decommissioned');
    });
  });

  describe('circuit breaker', () => {
    const settings: CircuitBreakerSettings = {
      windowSize: 20,
      windowMs: 60_000,
      minRequests: 3,
      failureRatio: 0.5,
      cooldownMs: 10_000,
      maxCooldownMs: 60_000,
    };

    const failOnce = (model: Deployment, kind: UpstreamErrorKind = 'server_error') =>
      tracker.settle(admitted(tracker.tryReserve(model, 1)), 'failed', undefined, kind);

    beforeEach(() => {
      tracker = new UsageTracker(clock, settings);
    });

    it('passes over a deployment whose circuit is open when naming the next pick', async () => {
      const [broken, healthy] = [deployment(), buildDeployment('cerebras', 'other')];
      for (let i = 0; i < 3; i++) failOnce(broken);
      expect(await tracker.nextPick({ ordered: [broken, healthy], shared: { candidates: [broken, healthy], ordering: 'given' } })).toBe(healthy);
    });

    it('refuses every request while the circuit is open, naming the circuit, without counting it as limited', () => {
      const model = deployment();
      for (let i = 0; i < 3; i++) failOnce(model);

      const refusal = tracker.tryReserve(model, 1);
      expect(refusal).toMatchObject({ admitted: false, blockedBy: 'circuit', retryAt: at('2026-03-04T10:20:40.000Z') });
      expect(refused(refusal).reason).toContain('circuit open after repeated upstream failures (3 of the last 3 requests failed)');
      expect(tracker.counters(model.key)).toMatchObject({ requests: 3, failures: 3, limited: 0 });
      expect(tracker.circuit(model.key)).toMatchObject({ state: 'open', openUntil: at('2026-03-04T10:20:40.000Z') });
    });

    it('admits a single probe after the cooldown; concurrent requests are refused until it settles', () => {
      const model = deployment();
      for (let i = 0; i < 3; i++) failOnce(model);
      clock.set('2026-03-04T10:20:40.000Z');

      const probe = admitted(tracker.tryReserve(model, 1));
      const concurrent = [tracker.tryReserve(model, 1), tracker.tryReserve(model, 1)];
      expect(concurrent).toMatchObject([
        { admitted: false, blockedBy: 'circuit' },
        { admitted: false, blockedBy: 'circuit' },
      ]);
      expect(refused(concurrent[0]!).reason).toContain('probe request is in flight');

      tracker.settle(probe, 'completed', { promptTokens: 1, completionTokens: 1, totalTokens: 2 });
      expect(tracker.circuit(model.key)).toMatchObject({ state: 'closed', recentAttempts: 0 });
      admitted(tracker.tryReserve(model, 1));
      admitted(tracker.tryReserve(model, 1));
    });

    it('opens again when the probe fails', () => {
      const model = deployment();
      for (let i = 0; i < 3; i++) failOnce(model);
      clock.set('2026-03-04T10:20:40.000Z');
      failOnce(model, 'timeout');
      expect(tracker.circuit(model.key)).toMatchObject({ state: 'open', openUntil: at('2026-03-04T10:21:00.000Z') });
    });

    it('does not spend the probe on a request its limits turn away', () => {
      const model = deployment({ tokensPerMinute: 100 });
      for (let i = 0; i < 3; i++) failOnce(model);
      clock.set('2026-03-04T10:20:40.000Z');
      expect(tracker.tryReserve(model, 101)).toMatchObject({ admitted: false, blockedBy: 'limits' });
      expect(tracker.circuit(model.key).probeInFlight).toBe(false);
      admitted(tracker.tryReserve(model, 1));
    });

    it('does not count rate limits or cancellations as failures', () => {
      const model = deployment();
      for (let i = 0; i < 5; i++) failOnce(model, 'rate_limited');
      for (let i = 0; i < 5; i++) tracker.settle(admitted(tracker.tryReserve(model, 1)), 'cancelled');
      expect(tracker.circuit(model.key)).toMatchObject({ state: 'closed', recentAttempts: 0 });
    });

    it('never opens a circuit without settings (turned off)', () => {
      tracker = new UsageTracker(clock);
      const model = deployment();
      for (let i = 0; i < 10; i++) failOnce(model);
      admitted(tracker.tryReserve(model, 1));
      expect(tracker.circuit(model.key)).toEqual({
        state: 'closed',
        openUntil: null,
        probeInFlight: false,
        recentFailures: 0,
        recentAttempts: 0,
      });
    });
  });
});
