import type { UpstreamErrorKind } from '../providers/upstream-error.js';
import type { Clock } from './clock.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

/** Injection token of the CircuitBreakerSettings; null turns the circuit breaker off. */
export const CIRCUIT_BREAKER_SETTINGS = Symbol('CIRCUIT_BREAKER_SETTINGS');

export interface CircuitBreakerSettings {
  /** How many of the latest counted attempts the closed circuit keeps. */
  windowSize: number;
  /** Attempts older than this leave the window. */
  windowMs: number;
  /** Fewer counted attempts than this in the window never trip the circuit. */
  minRequests: number;
  /** The share of failures in the window (0 < ratio <= 1) that trips it. */
  failureRatio: number;
  /** How long the circuit stays open the first time it trips. */
  cooldownMs: number;
  /** Each failed probe doubles the cooldown, up to this. */
  maxCooldownMs: number;
}

/**
 * What an attempt says about the deployment's health. `neutral` attempts (rate limits, capacity,
 * bad requests, the client going away) say nothing about it and are left out of the window.
 */
export type CircuitVerdict = 'success' | 'failure' | 'neutral';

/** Failures of the deployment itself; the others are handled by cooldowns, unavailability or the client. */
const FAILURE_KINDS: ReadonlySet<UpstreamErrorKind> = new Set(['server_error', 'timeout', 'connection', 'protocol']);

export function circuitVerdict(outcome: 'completed' | 'failed' | 'cancelled', failure?: UpstreamErrorKind): CircuitVerdict {
  if (outcome === 'completed') return 'success';
  if (outcome === 'cancelled') return 'neutral';
  return failure === undefined || FAILURE_KINDS.has(failure) ? 'failure' : 'neutral';
}

/** Handed out with each admitted attempt and given back when it ends. */
export interface CircuitTicket {
  /** Outcomes of attempts admitted before the circuit last changed state are not counted. */
  readonly generation: number;
  /** The single attempt let through a half-open circuit. */
  readonly probe: boolean;
}

export interface CircuitSnapshot {
  state: CircuitState;
  /** While open: when the next probe may go (ms since the epoch). */
  openUntil: number | null;
  probeInFlight: boolean;
  recentFailures: number;
  recentAttempts: number;
}

interface Outcome {
  at: number;
  failed: boolean;
}

/**
 * One deployment's circuit. Closed: counts the outcomes of its recent attempts and trips open when
 * too many failed. Open: refuses every attempt until the cooldown ends. Half-open: lets exactly one
 * probe through; its success closes the circuit with a fresh window, its failure opens it again
 * for twice as long (up to the cap).
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private outcomes: Outcome[] = [];
  private openUntil = 0;
  private consecutiveTrips = 0;
  private probeInFlight = false;
  private generation = 0;

  constructor(
    private readonly settings: CircuitBreakerSettings,
    private readonly clock: Clock,
  ) {}

  /** When the circuit would let an attempt through, or null if it would now. */
  blockedUntil(): number | null {
    const now = this.clock.now();
    this.leaveOpenIfDue(now);
    if (this.current === 'open') return this.openUntil;
    // The probe's outcome decides; until then there is no better estimate than now.
    if (this.current === 'half_open' && this.probeInFlight) return now;
    return null;
  }

  /** Lets an attempt through; call only when blockedUntil() is null. */
  admit(): CircuitTicket {
    this.leaveOpenIfDue(this.clock.now());
    const probe = this.current === 'half_open';
    if (probe) this.probeInFlight = true;
    return { generation: this.generation, probe };
  }

  record(ticket: CircuitTicket, verdict: CircuitVerdict): void {
    if (ticket.generation !== this.generation) return;
    const now = this.clock.now();
    if (ticket.probe) {
      this.probeInFlight = false;
      if (verdict === 'success') this.close();
      else if (verdict === 'failure') this.trip(now);
      return;
    }
    if (this.current !== 'closed' || verdict === 'neutral') return;
    this.outcomes.push({ at: now, failed: verdict === 'failure' });
    this.prune(now);
    const failures = this.outcomes.filter((outcome) => outcome.failed).length;
    if (this.outcomes.length >= this.settings.minRequests && failures / this.outcomes.length >= this.settings.failureRatio) {
      this.trip(now);
    }
  }

  snapshot(): CircuitSnapshot {
    const now = this.clock.now();
    this.leaveOpenIfDue(now);
    this.prune(now);
    return {
      state: this.current,
      openUntil: this.current === 'open' ? this.openUntil : null,
      probeInFlight: this.probeInFlight,
      recentFailures: this.outcomes.filter((outcome) => outcome.failed).length,
      recentAttempts: this.outcomes.length,
    };
  }

  private trip(now: number): void {
    const { cooldownMs, maxCooldownMs } = this.settings;
    const cooldown = Math.min(cooldownMs * 2 ** this.consecutiveTrips, Math.max(cooldownMs, maxCooldownMs));
    this.consecutiveTrips += 1;
    this.current = 'open';
    this.openUntil = now + cooldown;
    this.generation += 1;
  }

  private close(): void {
    this.current = 'closed';
    this.outcomes = [];
    this.consecutiveTrips = 0;
    this.generation += 1;
  }

  private leaveOpenIfDue(now: number): void {
    if (this.current === 'open' && now >= this.openUntil) {
      this.current = 'half_open';
      this.probeInFlight = false;
    }
  }

  private prune(now: number): void {
    const since = now - this.settings.windowMs;
    const firstRecent = this.outcomes.findIndex((outcome) => outcome.at > since);
    const fresh = firstRecent === -1 ? [] : this.outcomes.slice(firstRecent);
    this.outcomes = fresh.length > this.settings.windowSize ? fresh.slice(-this.settings.windowSize) : fresh;
  }
}
