import { Logger } from '@nestjs/common';
import { SharedLimitsUnavailableError } from '../common/errors/gateway-errors.js';
import type { RedisFailureMode } from '../config/environment.js';
import type { Deployment } from '../config/model-catalog.js';
import type { TokenUsage } from '../providers/provider-adapter.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { InMemoryLimitStore } from './in-memory-limit-store.js';
import {
  LimitStore,
  LimitStoreUnreachableError,
  type AdmissionGate,
  type AttemptOutcome,
  type AvailabilitySignal,
  type CandidatePlan,
  type ClientAdmission,
  type ClientCounts,
  type ClientLimits,
  type DeploymentUsage,
  type FirstReservation,
  type OwnLimits,
  type Reservation,
  type ReserveResult,
  type RoutingState,
} from './limit-store.js';

/**
 * The limits shared by every replica (`remote`, which keeps this replica's own counts in `local`
 * all along), and what happens while the shared store cannot be reached (REDIS_FAILURE_MODE):
 * `open` admits on this replica's own limits, `closed` refuses with SharedLimitsUnavailableError.
 * Reports (GET /usage, GET /models) show this replica's own counts meanwhile, in either mode.
 */
export class ResilientLimitStore extends LimitStore {
  private readonly logger = new Logger('LimitStore');
  private degraded = false;

  constructor(
    private readonly remote: LimitStore & AvailabilitySignal,
    private readonly local: InMemoryLimitStore,
    private readonly failureMode: RedisFailureMode,
  ) {
    super();
    remote.onAvailability((reachable) => this.availability(reachable));
  }

  get own(): OwnLimits {
    return this.local;
  }

  async reserveFirst(plan: CandidatePlan, tokensFor: (deployment: Deployment) => number, considered: number, gate: AdmissionGate): Promise<FirstReservation> {
    try {
      return await this.remote.reserveFirst(plan, tokensFor, considered, gate);
    } catch (error) {
      this.refuseWhenClosed(error);
      return this.local.reserveFirst(plan, tokensFor, considered, gate);
    }
  }

  nextPick(plan: CandidatePlan, gate: AdmissionGate): Promise<Deployment | null> {
    return this.read(() => this.remote.nextPick(plan, gate), () => this.local.nextPick(plan, gate));
  }

  async reserve(deployment: Deployment, tokens: number, gate: AdmissionGate): Promise<ReserveResult> {
    try {
      return await this.remote.reserve(deployment, tokens, gate);
    } catch (error) {
      const granted = error instanceof LimitStoreUnreachableError ? error.granted : undefined;
      if (granted && this.failureMode === 'closed') this.local.withdraw(granted, gate);
      this.refuseWhenClosed(error);
      return granted ? { admitted: true, reservation: granted } : this.local.reserve(deployment, tokens, gate);
    }
  }

  async clientAdmit(name: string, limits: ClientLimits): Promise<ClientAdmission> {
    try {
      return await this.remote.clientAdmit(name, limits);
    } catch (error) {
      this.refuseWhenClosed(error);
      return this.local.clientAdmit(name, limits);
    }
  }

  settle(reservation: Reservation, outcome: AttemptOutcome, usage?: TokenUsage): void {
    this.remote.settle(reservation, outcome, usage);
  }

  withdraw(reservation: Reservation, gate: AdmissionGate): void {
    this.remote.withdraw(reservation, gate);
  }

  recordFallback(key: string): void {
    this.remote.recordFallback(key);
  }

  coolDown(key: string, forMs: number): void {
    this.remote.coolDown(key, forMs);
  }

  recordProviderRateLimit(key: string, snapshot: RateLimitSnapshot): void {
    this.remote.recordProviderRateLimit(key, snapshot);
  }

  clientBook(name: string, limits: ClientLimits, usage: { promptTokens: number; completionTokens: number }): void {
    this.remote.clientBook(name, limits, usage);
  }

  routingState(key: string): Promise<RoutingState> {
    return this.read(() => this.remote.routingState(key), () => this.local.routingState(key));
  }

  deploymentUsage(key: string): Promise<DeploymentUsage> {
    return this.read(() => this.remote.deploymentUsage(key), () => this.local.deploymentUsage(key));
  }

  clientUsage(name: string): Promise<ClientCounts> {
    return this.read(() => this.remote.clientUsage(name), () => this.local.clientUsage(name));
  }

  /** Rethrows what is not an outage; in `closed` mode, refuses. */
  private refuseWhenClosed(error: unknown): void {
    if (!(error instanceof LimitStoreUnreachableError)) throw error;
    if (this.failureMode === 'closed') throw new SharedLimitsUnavailableError();
  }

  private async read<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    try {
      return await remote();
    } catch (error) {
      if (!(error instanceof LimitStoreUnreachableError)) throw error;
      return local();
    }
  }

  /** Logged once per outage, not once per request. */
  private availability(reachable: boolean): void {
    if (reachable) {
      this.degraded = false;
      return;
    }
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(
      this.failureMode === 'open'
        ? 'Redis is unreachable: serving with this replica’s own limits until it is back (REDIS_FAILURE_MODE=open)'
        : 'Redis is unreachable: chat requests are refused with 503 until it is back (REDIS_FAILURE_MODE=closed)',
    );
  }
}
