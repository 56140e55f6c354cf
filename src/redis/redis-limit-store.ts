import type { Deployment } from '../config/model-catalog.js';
import type { TokenUsage } from '../providers/provider-adapter.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { Clock } from '../usage/clock.js';
import type { InMemoryLimitStore } from '../usage/in-memory-limit-store.js';
import {
  LimitStore,
  LimitStoreUnreachableError,
  type AdmissionGate,
  type AttemptOutcome,
  type AvailabilitySignal,
  type CandidateOrdering,
  type CandidatePlan,
  type ClientAdmission,
  type ClientCounts,
  type ClientLimits,
  type DeploymentUsage,
  type FirstReservation,
  type OwnLimits,
  type Refusal,
  type Reservation,
  type ReserveResult,
  type RoutingState,
} from '../usage/limit-store.js';
import { providerExhaustion } from '../usage/provider-exhaustion.js';
import type { RedisConnection } from './redis-connection.js';
import type { ClientLimiter } from './client-limiter.js';
import { ReservationInDoubtError, type DeploymentLimiter, type FirstAdmission, type SharedCandidate, type SharedReservation } from './deployment-limiter.js';

/**
 * The limits every replica shares through Redis (REDIS_URL), on top of this replica's own counts
 * (`local`), which keep going all along for when it must decide alone. A request's candidates are
 * first checked against this replica's gate and own limits; Redis then orders them (the shared
 * round-robin cursor, least-used counts) and reserves the first with room, in one atomic step and
 * one round trip. Throws LimitStoreUnreachableError when Redis cannot answer.
 */
export class RedisLimitStore extends LimitStore implements AvailabilitySignal {
  private readonly limiter: DeploymentLimiter;
  private readonly clients: ClientLimiter;
  /** The place each reservation holds in Redis, if it holds one. */
  private readonly held = new WeakMap<Reservation, SharedReservation>();
  /** When the provider report last handed to the other replicas was observed, per deployment. */
  private readonly sharedReportObservedAt = new Map<string, string>();

  constructor(
    private readonly connection: RedisConnection,
    private readonly local: InMemoryLimitStore,
    private readonly clock: Clock,
  ) {
    super();
    this.limiter = connection.deployments!;
    this.clients = connection.clients!;
    // Refusals this replica decides on its own limits count in the shared totals too.
    local.onLimited((key) => this.increment(key, 'limited'));
  }

  get own(): OwnLimits {
    return this.local;
  }

  onAvailability(listener: (reachable: boolean) => void): void {
    this.connection.onAvailability(listener);
  }

  async reserveFirst(plan: CandidatePlan, tokensFor: (deployment: Deployment) => number, considered: number, gate: AdmissionGate): Promise<FirstReservation> {
    const { candidates, ordering } = plan.shared;
    const localRefusals = new Map<number, Refusal>();
    const entries = candidates.map((deployment, index): SharedCandidate => {
      const tokens = tokensFor(deployment);
      const refusal = this.local.refusal(deployment, tokens, gate);
      if (refusal) localRefusals.set(index, { deployment, ...refusal });
      return { deployment, tokens, eligible: !refusal };
    });
    const result = entries.some((entry) => entry.eligible)
      ? await this.reserveShared(entries, ordering, considered, this.clock.now())
      : { order: candidates.map((_, index) => index), admitted: null, refusals: [] };
    if (!result) throw new LimitStoreUnreachableError();
    const sharedRefusals = new Map(result.refusals.map((refusal) => [refusal.candidate, refusal]));
    const admittedPosition = result.admitted ? result.order.indexOf(result.admitted.candidate) : Math.min(considered, candidates.length);
    const refusals = result.order.slice(0, admittedPosition).map((candidate): Refusal => {
      const local = localRefusals.get(candidate);
      if (local) {
        this.local.countRefusal(local);
        return local;
      }
      // Redis counted it in the shared totals already.
      const { retryAt, reason } = sharedRefusals.get(candidate)!;
      this.local.countLimited(candidates[candidate]!.key);
      return { deployment: candidates[candidate]!, retryAt, reason, blockedBy: 'limits' };
    });
    const order = result.order.map((candidate) => candidates[candidate]!);
    if (!result.admitted) return { order, admitted: null, refusals };
    const { candidate, reservation: sharedReservation } = result.admitted;
    const reservation = this.local.book(candidates[candidate]!, entries[candidate]!.tokens, gate);
    this.held.set(reservation, sharedReservation);
    return { order, admitted: { position: admittedPosition, reservation }, refusals };
  }

  /** The first candidate this replica's own limits and the shared windows leave room for, in the shared rotation's order. */
  async nextPick(plan: CandidatePlan, gate: AdmissionGate): Promise<Deployment | null> {
    const { candidates, ordering } = plan.shared;
    const entries = candidates.map((deployment): SharedCandidate => ({ deployment, tokens: 1, eligible: this.local.refusal(deployment, 1, gate) === null }));
    if (!entries.some((entry) => entry.eligible)) return null;
    const picked = await this.read(() => this.limiter.nextPick(entries, ordering, this.clock.now()));
    return picked === null ? null : candidates[picked]!;
  }

  /** Admits on this replica's own limits, then in the windows every replica shares. */
  async reserve(deployment: Deployment, tokens: number, gate: AdmissionGate): Promise<ReserveResult> {
    const local = this.local.tryReserve(deployment, tokens, gate);
    if (!local.admitted) return local;
    const shared = await this.reserveShared([{ deployment, tokens, eligible: true }], 'given', 1, this.clock.now());
    if (!shared) throw new LimitStoreUnreachableError(local.reservation);
    if (shared.admitted) {
      this.held.set(local.reservation, shared.admitted.reservation);
      return local;
    }
    const [refusal] = shared.refusals;
    this.local.withdraw(local.reservation, gate);
    this.local.countLimited(deployment.key);
    return { admitted: false, retryAt: refusal!.retryAt, reason: refusal!.reason, blockedBy: 'limits' };
  }

  /**
   * Books the outcome, and the provider's newest report of its limits when there is one to share.
   * A settle Redis did not get is sent again once it is back.
   */
  settle(reservation: Reservation, outcome: AttemptOutcome, usage?: TokenUsage): void {
    const now = this.clock.now();
    this.local.settle(reservation, outcome, usage);
    const shared = this.held.get(reservation);
    if (shared) {
      const providerReport = this.unsharedProviderReport(reservation.deploymentKey);
      this.connection.release({ kind: 'settle', reservation: shared, outcome, usage, now, providerReport });
    }
  }

  withdraw(reservation: Reservation, gate: AdmissionGate): void {
    this.local.withdraw(reservation, gate);
    const shared = this.held.get(reservation);
    if (shared) this.connection.release({ kind: 'withdraw', reservations: [shared] });
  }

  recordFallback(key: string): void {
    this.local.recordFallback(key);
    this.increment(key, 'fallbacks');
  }

  /** Skips the deployment for `forMs` on every replica. */
  coolDown(key: string, forMs: number): void {
    const now = this.clock.now();
    this.local.coolDown(key, forMs);
    void this.connection.attempt(() => this.limiter.coolDown(key, now + forMs, now));
  }

  recordProviderRateLimit(key: string, snapshot: RateLimitSnapshot): void {
    this.local.recordProviderRateLimit(key, snapshot);
    // Other replicas skip the deployment too until the window the provider says is used up resets.
    const now = this.clock.now();
    for (const window of providerExhaustion(snapshot, now)) {
      void this.connection.attempt(() => this.limiter.coolDown(key, window.resetAt, now, window.reason));
    }
  }

  /**
   * The cooldown and the provider's latest report as every replica knows them: the later cooldown
   * and the most recently observed report win.
   */
  async routingState(key: string): Promise<RoutingState> {
    const local = { cooldownUntil: this.local.cooldownUntil(key), providerRateLimit: this.local.providerRateLimit(key) };
    const shared = await this.read(async () => {
      const now = this.clock.now();
      const [cooldownUntil, providerReport] = await Promise.all([this.limiter.cooldownUntil(key, now), this.limiter.providerReport(key)]);
      return { cooldownUntil, providerReport };
    });
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

  /** The deployment's windows and totals across replicas. */
  async deploymentUsage(key: string): Promise<DeploymentUsage> {
    return this.read(async () => {
      const now = this.clock.now();
      const [windows, totals, inFlight] = await Promise.all([this.limiter.windows(key, now), this.limiter.totals(key), this.limiter.inFlight(key, now)]);
      return { windows, totals: { ...totals, inFlight } };
    });
  }

  /**
   * An access key with limits is checked against the counts every replica shares (one round
   * trip); one without costs none until its request is booked.
   */
  async clientAdmit(name: string, limits: ClientLimits): Promise<ClientAdmission> {
    if (!hasOwnLimits(limits)) return this.local.clientAdmit(name, limits);
    const now = this.clock.now();
    const shared = await this.connection.attempt(() => this.clients.admit(name, limits, now));
    if (!shared) throw new LimitStoreUnreachableError();
    if (shared.admitted) this.local.countClientRequest(name, now);
    else this.local.countClientRejection(name);
    return shared;
  }

  clientBook(name: string, limits: ClientLimits, usage: { promptTokens: number; completionTokens: number }): void {
    const now = this.clock.now();
    // A key with limits had its request counted in Redis on admission; one without, here.
    const countRequest = !hasOwnLimits(limits);
    if (countRequest || usage.promptTokens + usage.completionTokens > 0) {
      void this.connection.attempt(() => this.clients.book(name, { ...usage, countRequest }, now));
    }
    this.local.clientBook(name, limits, usage);
  }

  async clientUsage(name: string): Promise<ClientCounts> {
    return this.read(() => this.clients.usage(name, this.clock.now()));
  }

  /**
   * Orders the candidates and reserves the first with room; undefined when Redis cannot be reached.
   * A reservation Redis made after the deadline gave up on it is withdrawn: the request went on
   * without it.
   */
  private async reserveShared(candidates: SharedCandidate[], ordering: CandidateOrdering, considered: number, now: number): Promise<FirstAdmission | undefined> {
    return this.connection.attempt(
      async () => {
        try {
          return await this.limiter.reserveFirst(candidates, ordering, considered, now);
        } catch (error) {
          if (error instanceof ReservationInDoubtError) this.connection.release({ kind: 'withdraw', reservations: error.pending });
          throw error;
        }
      },
      (late) => {
        late.then(
          (result) => {
            if (result.admitted) this.connection.release({ kind: 'withdraw', reservations: [result.admitted.reservation] });
          },
          () => undefined,
        );
      },
    );
  }

  /** A read of what every replica shares; not even tried while the connection is down. */
  private async read<T>(command: () => Promise<T>): Promise<T> {
    const result = this.connection.reachable ? await this.connection.attempt(command) : undefined;
    if (result === undefined) throw new LimitStoreUnreachableError();
    return result;
  }

  private increment(key: string, counter: 'fallbacks' | 'limited'): void {
    void this.connection.attempt(() => this.limiter.increment(key, counter));
  }

  /** The provider's latest report if the other replicas have not been handed it yet (it travels with a settle). */
  private unsharedProviderReport(key: string): RateLimitSnapshot | undefined {
    const report = this.local.providerRateLimit(key);
    if (!report || report.observedAt === this.sharedReportObservedAt.get(key)) return undefined;
    this.sharedReportObservedAt.set(key, report.observedAt);
    return report;
  }
}

/** Whether the key has limits of its own (which are checked in Redis when replicas share them). */
function hasOwnLimits(limits: ClientLimits): boolean {
  return limits.requestsPerMinute !== undefined || limits.tokensPerDay !== undefined;
}
