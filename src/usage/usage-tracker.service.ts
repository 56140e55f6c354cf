import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Deployment } from '../config/model-catalog.js';
import type { TokenUsage } from '../providers/provider-adapter.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { UpstreamErrorKind } from '../providers/upstream-error.js';
import {
  CIRCUIT_BREAKER_SETTINGS,
  CircuitBreaker,
  circuitVerdict,
  type CircuitBreakerSettings,
  type CircuitSnapshot,
  type CircuitTicket,
} from './circuit-breaker.js';
import { SharedLimitsUnavailableError } from '../common/errors/gateway-errors.js';
import { SharedLimits } from '../redis/shared-limits.js';
import type { SharedReservation } from '../redis/redis-limiter.js';
import { Clock } from './clock.js';
import { LIMIT_FIELDS, UsageWindow, WINDOW_NAMES, type WindowName } from './usage-window.js';


export type AttemptOutcome = 'completed' | 'failed' | 'cancelled';

export interface DeploymentCounters {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  completed: number;
  failures: number;
  fallbacks: number;
  cancellations: number;
  /** Requests this deployment turned away because a configured window was full. */
  limited: number;
}

export function emptyCounters(): DeploymentCounters {
  return { requests: 0, promptTokens: 0, completionTokens: 0, completed: 0, failures: 0, fallbacks: 0, cancellations: 0, limited: 0 };
}

interface DeploymentState {
  windows: Record<WindowName, UsageWindow>;
  totals: DeploymentCounters;
  inFlight: number;
  cooldownUntil: number;
  unavailableReason: string | null;
  providerRateLimit: RateLimitSnapshot | null;
  /** Null when the circuit breaker is turned off. */
  circuit: CircuitBreaker | null;
}

const CLOSED_CIRCUIT: CircuitSnapshot = { state: 'closed', openUntil: null, probeInFlight: false, recentFailures: 0, recentAttempts: 0 };

/** Holds a request's place in each window until the attempt is settled. */
export class Reservation {
  settled = false;
  /** The place held in the windows shared with other replicas (REDIS_URL), if any. */
  shared: SharedReservation | null = null;

  constructor(
    readonly deploymentKey: string,
    readonly tokens: number,
    readonly windowStarts: Record<WindowName, number>,
    readonly circuitTicket: CircuitTicket | null = null,
  ) {}
}

export type ReserveResult =
  | { admitted: true; reservation: Reservation }
  /**
   * `retryAt` is Infinity when the request can never fit (larger than a whole window).
   * `blockedBy`: the deployment's limits and cooldowns, or its open circuit.
   */
  | { admitted: false; retryAt: number; reason: string; blockedBy: 'limits' | 'circuit' };

/**
 * Per-deployment usage: fixed minute / hour / UTC-day windows checked before every upstream
 * call, reservations reconciled with the usage the provider reports, cooldowns, the limits
 * the provider last reported in its headers, and a circuit breaker over recent failures.
 */
@Injectable()
export class UsageTracker {
  private readonly states = new Map<string, DeploymentState>();
  private readonly startedAt: number;

  /** Without circuit breaker settings (null, or constructed directly) no circuit ever opens. */
  constructor(
    private readonly clock: Clock,
    @Optional() @Inject(CIRCUIT_BREAKER_SETTINGS) private readonly circuitSettings: CircuitBreakerSettings | null = null,
    @Optional() private readonly shared?: SharedLimits,
  ) {
    this.startedAt = clock.now();
  }

  /** Whether limits are shared with other replicas through Redis right now. */
  get sharing(): boolean {
    return !!this.shared?.enabled && this.shared.reachable;
  }

  /**
   * Admits a request like `tryReserve`, and with REDIS_URL also in the windows every replica
   * shares (one atomic step in Redis). While Redis cannot be reached, REDIS_FAILURE_MODE decides:
   * `open` admits on this replica's own limits, `closed` refuses with SharedLimitsUnavailableError.
   */
  async reserve(deployment: Deployment, tokens: number): Promise<ReserveResult> {
    const local = this.tryReserve(deployment, tokens);
    if (!local.admitted || !this.shared?.enabled) return local;
    const shared = await this.shared.reserve(deployment, tokens, this.clock.now());
    if (shared.kind === 'admitted') {
      local.reservation.shared = shared.reservation;
      return local;
    }
    if (shared.kind === 'refused') {
      this.withdraw(local.reservation);
      this.state(deployment.key).totals.limited += 1;
      return { admitted: false, retryAt: shared.retryAt, reason: shared.reason, blockedBy: 'limits' };
    }
    if (this.shared.failureMode === 'closed') {
      this.withdraw(local.reservation);
      throw new SharedLimitsUnavailableError();
    }
    return local;
  }

  /**
   * Admits a request to `deployment` if its circuit is closed (or lets this one through as the
   * probe), and every configured window, the cooldown and the provider's last report leave room
   * for one more request and `tokens` more tokens; reserves them if so.
   */
  tryReserve(deployment: Deployment, tokens: number): ReserveResult {
    const now = this.clock.now();
    const state = this.state(deployment.key);
    const circuitRetryAt = state.circuit?.blockedUntil() ?? null;
    if (circuitRetryAt !== null) {
      return { admitted: false, retryAt: circuitRetryAt, reason: describeOpenCircuit(state.circuit!.snapshot()), blockedBy: 'circuit' };
    }
    const blocked = this.blockedUntil(deployment, state, tokens, now);
    if (blocked) {
      state.totals.limited += 1;
      if (this.shared?.enabled) this.shared.increment(deployment.key, 'limited');
      return { admitted: false, ...blocked, blockedBy: 'limits' };
    }
    const windowStarts = {} as Record<WindowName, number>;
    for (const name of WINDOW_NAMES) {
      const window = state.windows[name].roll(now);
      window.requests += 1;
      window.reservedTokens += tokens;
      windowStarts[name] = window.start;
    }
    state.totals.requests += 1;
    state.inFlight += 1;
    const ticket = state.circuit?.admit() ?? null;
    return { admitted: true, reservation: new Reservation(deployment.key, tokens, windowStarts, ticket) };
  }

  /**
   * Releases the reservation and books the tokens actually used. Safe to call twice. `failure`
   * tells the circuit breaker whether a failed attempt was the deployment's fault.
   */
  settle(reservation: Reservation, outcome: AttemptOutcome, usage?: TokenUsage, failure?: UpstreamErrorKind): void {
    if (reservation.settled) return;
    reservation.settled = true;
    const now = this.clock.now();
    const state = this.state(reservation.deploymentKey);
    for (const name of WINDOW_NAMES) {
      const window = state.windows[name].roll(now);
      // A window that rolled over since the reservation no longer holds it.
      if (window.start === reservation.windowStarts[name]) window.reservedTokens -= reservation.tokens;
      if (usage) {
        window.promptTokens += usage.promptTokens;
        window.completionTokens += usage.completionTokens;
      }
    }
    if (usage) {
      state.totals.promptTokens += usage.promptTokens;
      state.totals.completionTokens += usage.completionTokens;
    }
    state.inFlight -= 1;
    if (outcome === 'completed') state.totals.completed += 1;
    else if (outcome === 'failed') state.totals.failures += 1;
    else state.totals.cancellations += 1;
    if (reservation.circuitTicket) state.circuit?.record(reservation.circuitTicket, circuitVerdict(outcome, failure));
    if (reservation.shared) this.shared?.settle(reservation.shared, outcome, usage, now);
  }

  /** Undoes a reservation whose request never went upstream, as if it had not been made. */
  private withdraw(reservation: Reservation): void {
    reservation.settled = true;
    const state = this.state(reservation.deploymentKey);
    const now = this.clock.now();
    for (const name of WINDOW_NAMES) {
      const window = state.windows[name].roll(now);
      if (window.start !== reservation.windowStarts[name]) continue;
      window.requests -= 1;
      window.reservedTokens -= reservation.tokens;
    }
    state.totals.requests -= 1;
    state.inFlight -= 1;
    if (reservation.circuitTicket) state.circuit?.record(reservation.circuitTicket, 'neutral');
  }

  recordFallback(key: string): void {
    this.state(key).totals.fallbacks += 1;
    if (this.shared?.enabled) this.shared.increment(key, 'fallbacks');
  }

  /** Skips the deployment for `forMs`; with REDIS_URL on every replica. */
  coolDown(key: string, forMs: number): void {
    const state = this.state(key);
    const now = this.clock.now();
    state.cooldownUntil = Math.max(state.cooldownUntil, now + forMs);
    if (this.shared?.enabled) this.shared.coolDown(key, now + forMs, now);
  }

  cooldownUntil(key: string): number | null {
    const until = this.state(key).cooldownUntil;
    return until > this.clock.now() ? until : null;
  }

  markUnavailable(key: string, reason: string): void {
    this.state(key).unavailableReason = reason;
  }

  unavailableReason(key: string): string | null {
    return this.state(key).unavailableReason;
  }

  /** Keeps the newest report; an older one arriving late never overwrites it. */
  recordProviderRateLimit(key: string, snapshot: RateLimitSnapshot): void {
    const state = this.state(key);
    if (!state.providerRateLimit || state.providerRateLimit.observedAt <= snapshot.observedAt) {
      state.providerRateLimit = snapshot;
    }
    // Other replicas skip the deployment too until the window the provider says is used up resets.
    if (!this.shared?.enabled) return;
    const now = this.clock.now();
    for (const window of providerExhaustion(snapshot, now)) {
      this.shared.coolDown(key, window.resetAt, now, window.reason);
    }
  }

  providerRateLimit(key: string): RateLimitSnapshot | null {
    return this.state(key).providerRateLimit;
  }

  circuit(key: string): CircuitSnapshot {
    return this.state(key).circuit?.snapshot() ?? CLOSED_CIRCUIT;
  }

  /** The fullest of the deployment's minute windows, as a fraction of its limit (0 = idle). */
  utilisation(deployment: Deployment): number {
    const minute = this.state(deployment.key).windows.minute.roll(this.clock.now());
    return Math.max(
      minute.requests / deployment.limits.requestsPerMinute,
      minute.committedTokens / deployment.limits.tokensPerMinute,
    );
  }

  windows(key: string): Record<WindowName, UsageWindow> {
    const now = this.clock.now();
    const { windows } = this.state(key);
    for (const name of WINDOW_NAMES) windows[name].roll(now);
    return windows;
  }

  counters(key: string): DeploymentCounters & { inFlight: number } {
    const state = this.state(key);
    return { ...state.totals, inFlight: state.inFlight };
  }

  get since(): number {
    return this.startedAt;
  }

  private blockedUntil(
    deployment: Deployment,
    state: DeploymentState,
    tokens: number,
    now: number,
  ): { retryAt: number; reason: string } | null {
    if (state.cooldownUntil > now) return { retryAt: state.cooldownUntil, reason: 'cooling down' };
    let blocked: { retryAt: number; reason: string } | null = null;
    const block = (retryAt: number, reason: string) => {
      if (!blocked || retryAt > blocked.retryAt) blocked = { retryAt, reason };
    };
    for (const name of WINDOW_NAMES) {
      const window = state.windows[name].roll(now);
      const requestLimit = deployment.limits[LIMIT_FIELDS[name].requests];
      const tokenLimit = deployment.limits[LIMIT_FIELDS[name].tokens];
      if (requestLimit !== undefined && window.requests + 1 > requestLimit) {
        block(window.end, `requests per ${name} limit reached`);
      }
      if (tokenLimit !== undefined && tokens > tokenLimit) {
        // No wait helps: the request alone is larger than the window.
        block(Number.POSITIVE_INFINITY, `needs ${tokens} tokens, more than the ${tokenLimit} tokens per ${name} limit`);
      } else if (tokenLimit !== undefined && window.committedTokens + tokens > tokenLimit) {
        block(window.end, `tokens per ${name} limit reached`);
      }
    }
    if (state.providerRateLimit) {
      for (const window of providerExhaustion(state.providerRateLimit, now)) block(window.resetAt, window.reason);
    }
    return blocked;
  }

  private state(key: string): DeploymentState {
    let state = this.states.get(key);
    if (!state) {
      state = {
        windows: { minute: new UsageWindow('minute'), hour: new UsageWindow('hour'), day: new UsageWindow('day') },
        totals: emptyCounters(),
        inFlight: 0,
        cooldownUntil: 0,
        unavailableReason: null,
        providerRateLimit: null,
        circuit: this.circuitSettings ? new CircuitBreaker(this.circuitSettings, this.clock) : null,
      };
      this.states.set(key, state);
    }
    return state;
  }
}

/** Why an open (or probing) circuit refuses a request. */
export function describeOpenCircuit(circuit: CircuitSnapshot): string {
  if (circuit.state === 'half_open') return 'circuit half-open: a probe request is in flight';
  const failed = circuit.recentAttempts > 0 ? ` (${circuit.recentFailures} of the last ${circuit.recentAttempts} requests failed)` : '';
  return `circuit open after repeated upstream failures${failed}; probed again at ${new Date(circuit.openUntil!).toISOString()}`;
}

/** The windows a provider reported as used up and not yet reset. */
function providerExhaustion(snapshot: RateLimitSnapshot, now: number): Array<{ resetAt: number; reason: string }> {
  const exhausted: Array<{ resetAt: number; reason: string }> = [];
  for (const window of snapshot.windows) {
    const resetAt = window.resetAt ? Date.parse(window.resetAt) : 0;
    if (window.remaining !== undefined && window.remaining <= 0 && resetAt > now) {
      exhausted.push({ resetAt, reason: `provider reports no ${window.resource} left this ${window.window}` });
    }
  }
  return exhausted;
}
