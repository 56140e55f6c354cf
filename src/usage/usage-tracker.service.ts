import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Deployment } from '../config/model-catalog.js';
import type { TokenUsage } from '../providers/provider-adapter.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { UpstreamErrorKind } from '../providers/upstream-error.js';
import { CIRCUIT_BREAKER_SETTINGS, type CircuitBreakerSettings, type CircuitSnapshot } from './circuit-breaker.js';
import { Clock } from './clock.js';
import { DeploymentHealth } from './deployment-health.js';
import { InMemoryLimitStore } from './in-memory-limit-store.js';
import {
  LimitStore,
  type AttemptOutcome,
  type CandidatePlan,
  type DeploymentCounters,
  type FirstReservation,
  type Reservation,
  type ReserveResult,
  type RoutingState,
} from './limit-store.js';
import type { UsageWindow, WindowName } from './usage-window.js';

export { describeOpenCircuit } from './deployment-health.js';
export { emptyCounters, Reservation } from './limit-store.js';
export type { AttemptOutcome, CandidatePlan, DeploymentCounters, FirstReservation, Refusal, ReserveResult } from './limit-store.js';

/**
 * Per-deployment usage as routing needs it: the limits in the LimitStore (windows checked
 * before every upstream call, reservations reconciled with the usage the provider reports,
 * cooldowns, the limits the provider last reported in its headers), in front of them each
 * deployment's health (a circuit breaker over recent failures, unavailability).
 */
@Injectable()
export class UsageTracker {
  private readonly store: LimitStore;
  private readonly health: DeploymentHealth;
  private readonly startedAt: number;

  /** Without circuit breaker settings (null, or constructed directly) no circuit ever opens; without a store, limits are this process's own. */
  constructor(
    private readonly clock: Clock,
    @Optional() @Inject(CIRCUIT_BREAKER_SETTINGS) circuitSettings: CircuitBreakerSettings | null = null,
    @Optional() store?: LimitStore,
  ) {
    this.store = store ?? new InMemoryLimitStore(clock);
    this.health = new DeploymentHealth(clock, circuitSettings);
    this.startedAt = clock.now();
  }

  /**
   * Orders a request's candidates and reserves the first of the first `considered` that has room.
   * With REDIS_URL the order (round-robin cursor, least-used counts) and the reservation come
   * from Redis in one atomic step, so replicas rotate together and a request costs one round
   * trip however many candidates were full; REDIS_FAILURE_MODE decides while it is unreachable.
   */
  reserveFirst(plan: CandidatePlan, tokensFor: (deployment: Deployment) => number, considered: number): Promise<FirstReservation> {
    return this.store.reserveFirst(plan, tokensFor, considered, this.health);
  }

  /**
   * The deployment a request with these candidates would go to first now (one with room, in the
   * strategy's previewed order), changing nothing; with REDIS_URL, as the replicas' shared
   * rotation and windows stand.
   */
  nextPick(plan: CandidatePlan): Promise<Deployment | null> {
    return this.store.nextPick(plan, this.health);
  }

  /**
   * Admits a request like `tryReserve`, and with REDIS_URL also in the windows every replica
   * shares (one atomic step in Redis). While Redis cannot be reached, REDIS_FAILURE_MODE decides:
   * `open` admits on this replica's own limits, `closed` refuses with SharedLimitsUnavailableError.
   */
  reserve(deployment: Deployment, tokens: number): Promise<ReserveResult> {
    return this.store.reserve(deployment, tokens, this.health);
  }

  /**
   * Admits a request to `deployment` if its circuit is closed (or lets this one through as the
   * probe), and every configured window, the cooldown and the provider's last report leave room
   * for one more request and `tokens` more tokens (this replica's own counts); reserves them if so.
   */
  tryReserve(deployment: Deployment, tokens: number): ReserveResult {
    return this.store.own.tryReserve(deployment, tokens, this.health);
  }

  /**
   * Releases the reservation and books the tokens actually used. Safe to call twice. `failure`
   * tells the circuit breaker whether a failed attempt was the deployment's fault.
   */
  settle(reservation: Reservation, outcome: AttemptOutcome, usage?: TokenUsage, failure?: UpstreamErrorKind): void {
    if (reservation.settled) return;
    reservation.settled = true;
    this.store.settle(reservation, outcome, usage);
    this.health.settled(reservation, outcome, failure);
  }

  recordFallback(key: string): void {
    this.store.recordFallback(key);
  }

  /** Skips the deployment for `forMs`; with REDIS_URL on every replica. */
  coolDown(key: string, forMs: number): void {
    this.store.coolDown(key, forMs);
  }

  cooldownUntil(key: string): number | null {
    return this.store.own.cooldownUntil(key);
  }

  markUnavailable(key: string, reason: string): void {
    this.health.markUnavailable(key, reason);
  }

  /** The deployment can serve again (its provider lists it): forgets why it was marked unavailable. */
  clearUnavailable(key: string): void {
    this.health.clearUnavailable(key);
  }

  unavailableReason(key: string): string | null {
    return this.health.unavailableReason(key);
  }

  /** Keeps the newest report; an older one arriving late never overwrites it. With REDIS_URL, other replicas skip a window it says is used up. */
  recordProviderRateLimit(key: string, snapshot: RateLimitSnapshot): void {
    this.store.recordProviderRateLimit(key, snapshot);
  }

  providerRateLimit(key: string): RateLimitSnapshot | null {
    return this.store.own.providerRateLimit(key);
  }

  /**
   * The cooldown and the provider's latest report as every replica knows them (REDIS_URL): the
   * later cooldown and the most recently observed report win; this replica's own otherwise.
   */
  routingState(key: string): Promise<RoutingState> {
    return this.store.routingState(key);
  }

  circuit(key: string): CircuitSnapshot {
    return this.health.circuit(key);
  }

  /** The fullest of the deployment's minute windows, as a fraction of its limit (0 = idle). */
  utilisation(deployment: Deployment): number {
    return this.store.own.utilisation(deployment);
  }

  windows(key: string): Record<WindowName, UsageWindow> {
    return this.store.own.windows(key);
  }

  counters(key: string): DeploymentCounters & { inFlight: number } {
    return this.store.own.counters(key);
  }

  get since(): number {
    return this.startedAt;
  }
}
