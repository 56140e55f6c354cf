import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fixtures.js';
import type { UpstreamErrorKind } from '../providers/upstream-error.js';
import { CircuitBreaker, circuitVerdict, type CircuitBreakerSettings, type CircuitVerdict } from './circuit-breaker.js';

const SETTINGS: CircuitBreakerSettings = {
  windowSize: 20,
  windowMs: 60_000,
  minRequests: 5,
  failureRatio: 0.5,
  cooldownMs: 30_000,
  maxCooldownMs: 100_000,
};

describe('CircuitBreaker', () => {
  let clock: FakeClock;
  let breaker: CircuitBreaker;

  const setup = (settings: Partial<CircuitBreakerSettings> = {}) => {
    breaker = new CircuitBreaker({ ...SETTINGS, ...settings }, clock);
  };

  /** Admits one attempt through the closed circuit and records its verdict. */
  const attempt = (verdict: CircuitVerdict) => {
    expect(breaker.blockedUntil()).toBeNull();
    breaker.record(breaker.admit(), verdict);
  };

  const attempts = (...verdicts: CircuitVerdict[]) => verdicts.forEach(attempt);

  const trip = () => attempts('failure', 'failure', 'failure', 'failure', 'failure');

  beforeEach(() => {
    clock = new FakeClock();
    setup();
  });

  describe('closed', () => {
    it('lets every attempt through and reports what its window holds', () => {
      attempts('success', 'failure', 'success');
      expect(breaker.snapshot()).toEqual({
        state: 'closed',
        openUntil: null,
        probeInFlight: false,
        recentFailures: 1,
        recentAttempts: 3,
      });
    });

    it('does not trip below the minimum number of attempts, however many of them failed', () => {
      attempts('failure', 'failure', 'failure', 'failure');
      expect(breaker.snapshot().state).toBe('closed');
      expect(breaker.blockedUntil()).toBeNull();
    });

    it('trips once the minimum is reached with a failure ratio at the threshold', () => {
      attempts('success', 'failure', 'success', 'failure', 'success', 'failure');
      expect(breaker.snapshot()).toMatchObject({ state: 'open', recentFailures: 3, recentAttempts: 6 });
    });

    it('stays closed when the failure ratio is below the threshold', () => {
      attempts('success', 'failure', 'success', 'failure', 'success', 'success', 'failure');
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', recentFailures: 3, recentAttempts: 7 });
    });

    it('weighs only the latest CIRCUIT_BREAKER_WINDOW attempts', () => {
      setup({ windowSize: 4, minRequests: 4, failureRatio: 0.75 });
      attempts('success', 'success', 'success', 'failure', 'failure');
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', recentAttempts: 4, recentFailures: 2 });
      attempt('failure');
      expect(breaker.snapshot().state).toBe('open');
    });

    it('forgets attempts older than the window duration', () => {
      attempts('failure', 'failure', 'failure', 'failure');
      clock.time += 60_000;
      attempt('failure');
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', recentFailures: 1, recentAttempts: 1 });
    });

    it('leaves neutral attempts (rate limits, cancellations) out of the window', () => {
      attempts('failure', 'failure', 'neutral', 'neutral', 'neutral', 'neutral', 'failure', 'failure');
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', recentAttempts: 4, recentFailures: 4 });
    });
  });

  describe('open', () => {
    it('refuses every attempt until the cooldown ends', () => {
      trip();
      const openUntil = clock.time + 30_000;
      expect(breaker.snapshot()).toMatchObject({ state: 'open', openUntil });
      expect(breaker.blockedUntil()).toBe(openUntil);
      clock.time = openUntil - 1;
      expect(breaker.blockedUntil()).toBe(openUntil);
    });

    it('ignores the outcomes of attempts admitted before it tripped', () => {
      const late = [breaker.admit(), breaker.admit(), breaker.admit(), breaker.admit(), breaker.admit()];
      trip();
      clock.time += 30_000;
      breaker.record(breaker.admit(), 'success');
      for (const ticket of late) breaker.record(ticket, 'failure');
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', recentAttempts: 0 });
    });
  });

  describe('half-open', () => {
    beforeEach(() => {
      trip();
      clock.time += 30_000;
    });

    it('becomes half-open when the cooldown ends', () => {
      expect(breaker.snapshot()).toMatchObject({ state: 'half_open', openUntil: null, probeInFlight: false });
    });

    it('lets exactly one probe through; concurrent attempts are refused while it is in flight', () => {
      expect(breaker.blockedUntil()).toBeNull();
      const probe = breaker.admit();
      expect(probe.probe).toBe(true);
      for (let i = 0; i < 3; i++) expect(breaker.blockedUntil()).toBe(clock.time);
      expect(breaker.snapshot()).toMatchObject({ state: 'half_open', probeInFlight: true });
    });

    it('closes with a fresh window when the probe succeeds', () => {
      breaker.record(breaker.admit(), 'success');
      expect(breaker.snapshot()).toEqual({
        state: 'closed',
        openUntil: null,
        probeInFlight: false,
        recentFailures: 0,
        recentAttempts: 0,
      });
      attempts('failure', 'failure', 'failure', 'failure');
      expect(breaker.snapshot().state).toBe('closed');
    });

    it('opens again for twice as long when the probe fails, doubling up to the cap', () => {
      const cooldowns: number[] = [];
      for (let i = 0; i < 4; i++) {
        breaker.record(breaker.admit(), 'failure');
        const { state, openUntil } = breaker.snapshot();
        expect(state).toBe('open');
        cooldowns.push(openUntil! - clock.time);
        clock.time = openUntil!;
      }
      expect(cooldowns).toEqual([60_000, 100_000, 100_000, 100_000]);
    });

    it('starts again from the base cooldown after a successful probe', () => {
      breaker.record(breaker.admit(), 'failure');
      clock.time += 60_000;
      breaker.record(breaker.admit(), 'success');
      trip();
      expect(breaker.snapshot().openUntil! - clock.time).toBe(30_000);
    });

    it('lets another probe through when the probe says nothing of health (cancelled, rate limited)', () => {
      breaker.record(breaker.admit(), 'neutral');
      expect(breaker.snapshot()).toMatchObject({ state: 'half_open', probeInFlight: false });
      expect(breaker.blockedUntil()).toBeNull();
      expect(breaker.admit().probe).toBe(true);
    });
  });
});

describe('circuitVerdict', () => {
  it('counts a completed answer as a success and a cancelled one as neutral', () => {
    expect(circuitVerdict('completed')).toBe('success');
    expect(circuitVerdict('cancelled', 'aborted')).toBe('neutral');
  });

  it.each<UpstreamErrorKind>(['server_error', 'timeout', 'connection', 'protocol'])(
    'counts a %s failure against the deployment',
    (kind) => {
      expect(circuitVerdict('failed', kind)).toBe('failure');
    },
  );

  it.each<UpstreamErrorKind>(['rate_limited', 'overloaded', 'payload_too_large', 'model_unavailable', 'auth', 'bad_request', 'aborted'])(
    'leaves a %s failure out',
    (kind) => {
      expect(circuitVerdict('failed', kind)).toBe('neutral');
    },
  );
});
