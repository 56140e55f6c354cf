import type { Deployment } from '../config/model-catalog.js';
import type { TokenUsage } from '../providers/provider-adapter.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { CircuitTicket } from './circuit-breaker.js';
import type { UsageWindow, WindowName } from './usage-window.js';
import type { UsageCountersDto } from './dto/usage-report.dto.js';

export type AttemptOutcome = 'completed' | 'failed' | 'cancelled';

/** How a shared store orders a request's candidates: as given, from a shared round-robin cursor, or least used first. */
export type CandidateOrdering = 'given' | 'round-robin' | 'least-used';

/** The candidates of one request, as the rotation strategy sees them. */
export interface CandidatePlan {
  /** This replica's own order: used without REDIS_URL, or while Redis is unreachable. */
  ordered: Deployment[];
  /** What a shared store orders: the round-robin cursor and least-used counts live there. */
  shared: { candidates: Deployment[]; ordering: CandidateOrdering };
}

/** Holds a request's place in each window until the attempt is settled. */
export class Reservation {
  settled = false;

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
 * What decides, before any limit, whether a deployment takes a request at all (its circuit), and
 * is told, in the same step, when a store books a request or takes one back.
 */
export interface AdmissionGate {
  /** Why the deployment takes no request now, whatever its limits; null when it does. */
  refusal(deployment: Deployment): { retryAt: number; reason: string } | null;
  /** A request to the deployment is being booked: what it carries until it is settled. */
  admit(deployment: Deployment): CircuitTicket | null;
  /** A booked request that never went upstream. */
  withdrawn(reservation: Reservation): void;
}

/** A deployment's counters since start (across replicas: since its Redis keys were created): GET /usage's documented shape less `inFlight`. */
export type DeploymentCounters = Omit<UsageCountersDto, 'inFlight'>;

export function emptyCounters(): DeploymentCounters {
  return { requests: 0, promptTokens: 0, completionTokens: 0, completed: 0, failures: 0, fallbacks: 0, cancellations: 0, limited: 0 };
}

/** What a window holds. */
export interface WindowCounts {
  start: number;
  end: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  reservedTokens: number;
}

/** A deployment's windows and totals, as GET /usage reports them. */
export interface DeploymentUsage {
  windows: Record<WindowName, WindowCounts>;
  totals: DeploymentCounters & { inFlight: number };
}

/** What routing (GET /models) knows of a deployment: its cooldown and the provider's latest report. */
export interface RoutingState {
  cooldownUntil: number | null;
  providerRateLimit: RateLimitSnapshot | null;
}

export type ClientLimitName = 'requestsPerMinute' | 'tokensPerDay';

/** An access key's own limits (GATEWAY_API_KEYS). */
export interface ClientLimits {
  requestsPerMinute?: number;
  tokensPerDay?: number;
}

export type ClientAdmission = { admitted: true } | { admitted: false; retryAt: number; limit: ClientLimitName };

/** An access key's usage: this minute's requests, today's tokens, totals; times in epoch ms. */
export interface ClientCounts {
  minute: { start: number; end: number; requests: number };
  day: { start: number; end: number; tokens: number };
  requests: number;
  promptTokens: number;
  completionTokens: number;
  rejected: number;
}

/** This replica's own counts, read and checked synchronously. */
export interface OwnLimits {
  /** Admits on this replica's own limits alone, and reserves if so. */
  tryReserve(deployment: Deployment, tokens: number, gate: AdmissionGate): ReserveResult;
  cooldownUntil(key: string): number | null;
  providerRateLimit(key: string): RateLimitSnapshot | null;
  /** The fullest of the deployment's minute windows, as a fraction of its limit (0 = idle). */
  utilisation(deployment: Deployment): number;
  windows(key: string): Record<WindowName, UsageWindow>;
  counters(key: string): DeploymentCounters & { inFlight: number };
}

/**
 * A store cannot reach what it keeps its counts in. `granted`: what this replica's own limits
 * already admitted while the store asked (kept, or withdrawn, by whoever decides what an outage means).
 */
export class LimitStoreUnreachableError extends Error {
  override readonly name = 'LimitStoreUnreachableError';

  constructor(readonly granted?: Reservation) {
    super('the limit store cannot be reached');
  }
}

/** Tells when a store loses, and regains, what it keeps its counts in. */
export interface AvailabilitySignal {
  onAvailability(listener: (reachable: boolean) => void): void;
}

/**
 * Where the limits of deployments and access keys are counted: windows, reservations, cooldowns,
 * the providers' reports of their own limits. In this process alone, or shared by every replica.
 * A shared store that cannot be reached throws LimitStoreUnreachableError.
 */
export abstract class LimitStore {
  /** This replica's own counts. */
  abstract readonly own: OwnLimits;

  /**
   * Orders a request's candidates and reserves the first of the first `considered` that has room
   * (and that `gate` lets through); candidates refused keep their place in the order.
   */
  abstract reserveFirst(
    plan: CandidatePlan,
    tokensFor: (deployment: Deployment) => number,
    considered: number,
    gate: AdmissionGate,
  ): Promise<FirstReservation>;

  /**
   * The deployment `reserveFirst` would reserve now for a one-token request with these candidates
   * (`plan.ordered` is the strategy's preview), moving no rotation and reserving nothing; null
   * when none has room. What the dashboard shows as a model's next pick.
   */
  abstract nextPick(plan: CandidatePlan, gate: AdmissionGate): Promise<Deployment | null>;

  /** Admits a request to `deployment` if the gate and every limit leave room, and reserves it. */
  abstract reserve(deployment: Deployment, tokens: number, gate: AdmissionGate): Promise<ReserveResult>;

  /** Releases the reservation and books the tokens actually used. Called once per reservation. */
  abstract settle(reservation: Reservation, outcome: AttemptOutcome, usage?: TokenUsage): void;

  /** Undoes a reservation whose request never went upstream, as if it had not been made. */
  abstract withdraw(reservation: Reservation, gate: AdmissionGate): void;

  abstract recordFallback(key: string): void;

  /** Skips the deployment for `forMs`. */
  abstract coolDown(key: string, forMs: number): void;

  /** Keeps the provider's newest report of its limits. */
  abstract recordProviderRateLimit(key: string, snapshot: RateLimitSnapshot): void;

  abstract routingState(key: string): Promise<RoutingState>;

  abstract deploymentUsage(key: string): Promise<DeploymentUsage>;

  /** Counts a request against an access key's limits, or says which one is used up. */
  abstract clientAdmit(name: string, limits: ClientLimits): Promise<ClientAdmission>;

  /** Books a finished request's tokens against its access key. */
  abstract clientBook(name: string, limits: ClientLimits, usage: { promptTokens: number; completionTokens: number }): void;

  abstract clientUsage(name: string): Promise<ClientCounts>;
}
