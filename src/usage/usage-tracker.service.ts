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
import type { SharedCandidate, SharedOrdering, SharedReservation } from '../redis/redis-limiter.js';
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
  /** When the report last handed to the other replicas (REDIS_URL) was observed. */
  sharedRateLimitObservedAt: string | null;
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

/** The candidates of one request, as the rotation strategy sees them. */
export interface CandidatePlan {
  /** This replica's own order: used without REDIS_URL, or while Redis is unreachable. */
  ordered: Deployment[];
  /** What Redis orders when limits are shared: the round-robin cursor and least-used counts live there. */
  shared: { candidates: Deployment[]; ordering: SharedOrdering };
}

export interface Refusal {
  deployment: Deployment;
  retryAt: number;
  reason: string;
  blockedBy: 'limits' | 'circuit';
}

export interface FirstReservation {
  /** The order to try the candidates in. */
  order: Deployment[];
  /** The first candidate in `order` with room, reserved; null when none of those considered had. */
  admitted: { position: number; reservation: Reservation } | null;
  /** The candidates before it that had no room, in order. */
  refusals: Refusal[];
}

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
   * Orders a request's candidates and reserves the first of the first `considered` that has room.
   * With REDIS_URL the order (round-robin cursor, least-used counts) and the reservation come
   * from Redis in one atomic step, so replicas rotate together and a request costs one round
   * trip however many candidates were full; REDIS_FAILURE_MODE decides while it is unreachable.
   */
  async reserveFirst(plan: CandidatePlan, tokensFor: (deployment: Deployment) => number, considered: number): Promise<FirstReservation> {
    if (!this.shared?.enabled) return this.reserveFirstLocally(plan.ordered, tokensFor, considered);
    const { candidates, ordering } = plan.shared;
    const localRefusals = new Map<number, Refusal>();
    const entries = candidates.map((deployment, index): SharedCandidate => {
      const tokens = tokensFor(deployment);
      const refusal = this.refusal(deployment, tokens);
      if (refusal) localRefusals.set(index, { deployment, ...refusal });
      return { deployment, tokens, eligible: !refusal };
    });
    const result = entries.some((entry) => entry.eligible)
      ? await this.shared.reserveFirst(entries, ordering, considered, this.clock.now())
      : { order: candidates.map((_, index) => index), admitted: null, refusals: [] };
    if (!result) {
      if (this.shared.failureMode === 'closed') throw new SharedLimitsUnavailableError();
      return this.reserveFirstLocally(plan.ordered, tokensFor, considered);
    }
    const sharedRefusals = new Map(result.refusals.map((refusal) => [refusal.candidate, refusal]));
    const admittedPosition = result.admitted ? result.order.indexOf(result.admitted.candidate) : Math.min(considered, candidates.length);
    const refusals = result.order.slice(0, admittedPosition).map((candidate): Refusal => {
      const local = localRefusals.get(candidate);
      if (local) {
        this.countRefusal(local);
        return local;
      }
      // Redis counted it in the shared totals already.
      const { retryAt, reason } = sharedRefusals.get(candidate)!;
      this.state(candidates[candidate]!.key).totals.limited += 1;
      return { deployment: candidates[candidate]!, retryAt, reason, blockedBy: 'limits' };
    });
    const order = result.order.map((candidate) => candidates[candidate]!);
    if (!result.admitted) return { order, admitted: null, refusals };
    const { candidate, reservation: sharedReservation } = result.admitted;
    const reservation = this.book(candidates[candidate]!, entries[candidate]!.tokens);
    reservation.shared = sharedReservation;
    return { order, admitted: { position: admittedPosition, reservation }, refusals };
  }

  /** `reserveFirst` on this replica's own limits, in its own order. */
  private reserveFirstLocally(ordered: Deployment[], tokensFor: (deployment: Deployment) => number, considered: number): FirstReservation {
    const refusals: Refusal[] = [];
    for (const [position, deployment] of ordered.slice(0, considered).entries()) {
      const result = this.tryReserve(deployment, tokensFor(deployment));
      if (result.admitted) return { order: ordered, admitted: { position, reservation: result.reservation }, refusals };
      refusals.push({ deployment, retryAt: result.retryAt, reason: result.reason, blockedBy: result.blockedBy });
    }
    return { order: ordered, admitted: null, refusals };
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
    const refusal = this.refusal(deployment, tokens);
    if (refusal) {
      this.countRefusal({ deployment, ...refusal });
      return { admitted: false, ...refusal };
    }
    return { admitted: true, reservation: this.book(deployment, tokens) };
  }

  /** Why this replica would turn the request away from `deployment` now, or null. Changes nothing. */
  private refusal(deployment: Deployment, tokens: number): Omit<Refusal, 'deployment'> | null {
    const state = this.state(deployment.key);
    const circuitRetryAt = state.circuit?.blockedUntil() ?? null;
    if (circuitRetryAt !== null) {
      return { retryAt: circuitRetryAt, reason: describeOpenCircuit(state.circuit!.snapshot()), blockedBy: 'circuit' };
    }
    const blocked = this.blockedUntil(deployment, state, tokens, this.clock.now());
    return blocked ? { ...blocked, blockedBy: 'limits' } : null;
  }

  private countRefusal(refusal: Refusal): void {
    if (refusal.blockedBy !== 'limits') return;
    this.state(refusal.deployment.key).totals.limited += 1;
    if (this.shared?.enabled) this.shared.increment(refusal.deployment.key, 'limited');
  }

  /** Holds a place in every window (and a circuit ticket) for one request. */
  private book(deployment: Deployment, tokens: number): Reservation {
    const now = this.clock.now();
    const state = this.state(deployment.key);
    const windowStarts = {} as Record<WindowName, number>;
    for (const name of WINDOW_NAMES) {
      const window = state.windows[name].roll(now);
      window.requests += 1;
      window.reservedTokens += tokens;
      windowStarts[name] = window.start;
    }
    state.totals.requests += 1;
    state.inFlight += 1;
    // Redis may admit what a probe took meanwhile: such a request goes without a ticket.
    const ticket = state.circuit && state.circuit.blockedUntil() === null ? state.circuit.admit() : null;
    return new Reservation(deployment.key, tokens, windowStarts, ticket);
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
    if (reservation.shared) this.shared?.settle(reservation.shared, outcome, usage, now, this.unsharedProviderReport(state));
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

  /** The provider's latest report if the other replicas have not been handed it yet (it travels with a settle). */
  private unsharedProviderReport(state: DeploymentState): RateLimitSnapshot | undefined {
    const report = state.providerRateLimit;
    if (!report || report.observedAt === state.sharedRateLimitObservedAt) return undefined;
    state.sharedRateLimitObservedAt = report.observedAt;
    return report;
  }

  providerRateLimit(key: string): RateLimitSnapshot | null {
    return this.state(key).providerRateLimit;
  }

  /**
   * The cooldown and the provider's latest report as every replica knows them (REDIS_URL): the
   * later cooldown and the most recently observed report win; this replica's own otherwise.
   */
  async routingState(key: string): Promise<{ cooldownUntil: number | null; providerRateLimit: RateLimitSnapshot | null }> {
    const local = { cooldownUntil: this.cooldownUntil(key), providerRateLimit: this.providerRateLimit(key) };
    const shared = this.sharing ? await this.shared!.routingState(key, this.clock.now()) : undefined;
    if (!shared) return local;
    const cooldowns = [local.cooldownUntil, shared.cooldownUntil].filter((until): until is number => until !== null);
    const reports = [local.providerRateLimit, shared.providerReport].filter((report): report is RateLimitSnapshot => report !== null);
    return {
      cooldownUntil: cooldowns.length > 0 ? Math.max(...cooldowns) : null,
      providerRateLimit: reports.reduce<RateLimitSnapshot | null>(
        (newest, report) => (!newest || Date.parse(report.observedAt) > Date.parse(newest.observedAt) ? report : newest),
        null,
      ),
    };
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
        sharedRateLimitObservedAt: null,
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
