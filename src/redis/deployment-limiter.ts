import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Deployment } from '../config/model-catalog.js';
import type { AttemptOutcome, CandidateOrdering, WindowCounts } from '../usage/limit-store.js';
import { LIMIT_FIELDS, WINDOW_NAMES, type WindowName } from '../usage/usage-window.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import {
  COOL_DOWN_SCRIPT,
  NEXT_PICK_SCRIPT,
  RECLAIM_SCRIPT,
  RESERVE_FIRST_SCRIPT,
  SETTLE_SCRIPT,
  WITHDRAW_SCRIPT,
} from './deployment-scripts.js';
import { RedisKeys } from './redis-keys.js';

const OUTCOME_COUNTER: Record<AttemptOutcome, string> = { completed: 'completed', failed: 'failures', cancelled: 'cancellations' };

/** A request's place in the shared windows, until it is settled. */
export interface SharedReservation {
  deploymentKey: string;
  tokens: number;
  /** The in-flight set member, which also names the windows holding the tokens. */
  member: string;
  windowKeys: string[];
}

export type SharedAdmission =
  | { admitted: true; reservation: SharedReservation }
  /** `retryAt` is Infinity when the request can never fit (larger than a whole window). */
  | { admitted: false; retryAt: number; reason: string };

export interface SharedCandidate {
  deployment: Deployment;
  tokens: number;
  /** False when this replica already refused it (an open circuit, its own limits): keeps its place, never reserved. */
  eligible: boolean;
}

export interface SharedRefusal {
  /** Index into the candidates given. */
  candidate: number;
  retryAt: number;
  reason: string;
}

export interface FirstAdmission {
  /** Candidate indices, in the order they are to be tried. */
  order: number[];
  /** The first candidate in that order with room, now reserved; null when none had. */
  admitted: { candidate: number; reservation: SharedReservation } | null;
  /** Candidates before it in the order that had no room. */
  refusals: SharedRefusal[];
}

export interface DeploymentLimiterOptions {
  /** Key prefix; wrapped in a hash tag so every key lands in one Redis Cluster slot. */
  prefix: string;
  /** How long a reservation may stay in flight before it is presumed orphaned (its replica died). */
  leaseMs: number;
  /** How long keys outlive the window they describe. */
  keyTtlMs?: number;
  /**
   * Who holds the reservations made here: `id` names the replica (the same across its restarts),
   * `incarnation` this run of it. Default: an anonymous replica, a fresh incarnation.
   */
  replica?: { id: string; incarnation: string };
}

/** A reserve whose reply never came (the connection dropped): Redis may hold any of `pending`. */
export class ReservationInDoubtError extends Error {
  override readonly name = 'ReservationInDoubtError';

  constructor(
    readonly pending: SharedReservation[],
    cause: unknown,
  ) {
    super(`reserve outcome unknown: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

type DeploymentCommands = (Redis | Cluster) & {
  gatewayReserveFirst(...args: Array<string | number>): Promise<[number, number[], Array<string | number>]>;
  gatewayNextPick(...args: Array<string | number>): Promise<number>;
  gatewaySettle(...args: Array<string | number>): Promise<number>;
  gatewayWithdraw(...args: Array<string | number>): Promise<number>;
  gatewayCoolDown(key: string, until: number, now: number, reason: string): Promise<number>;
  gatewayReclaim(...args: Array<string | number>): Promise<number>;
};

/**
 * The configured limits of every deployment, shared by all replicas through Redis: one atomic
 * script to check and reserve, one to reconcile. Windows are the same fixed UTC windows as in
 * memory, so a replica without Redis and one with it count alike.
 */
export class DeploymentLimiter {
  private readonly redis: DeploymentCommands;
  private readonly keys: RedisKeys;
  private readonly replica: { id: string; incarnation: string };

  constructor(
    redis: Redis | Cluster,
    private readonly options: DeploymentLimiterOptions,
  ) {
    // The number of keys depends on the number of candidates: passed first on each call.
    redis.defineCommand('gatewayReserveFirst', { lua: RESERVE_FIRST_SCRIPT });
    redis.defineCommand('gatewayNextPick', { lua: NEXT_PICK_SCRIPT });
    redis.defineCommand('gatewaySettle', { numberOfKeys: 9, lua: SETTLE_SCRIPT });
    redis.defineCommand('gatewayWithdraw', { lua: WITHDRAW_SCRIPT });
    redis.defineCommand('gatewayCoolDown', { numberOfKeys: 1, lua: COOL_DOWN_SCRIPT });
    redis.defineCommand('gatewayReclaim', { lua: RECLAIM_SCRIPT });
    this.redis = redis as DeploymentCommands;
    this.keys = new RedisKeys(options.prefix, options.keyTtlMs);
    this.replica = options.replica ?? { id: '-', incarnation: randomUUID() };
  }

  /** Checks and reserves one deployment. */
  async reserve(deployment: Deployment, tokens: number, now: number): Promise<SharedAdmission> {
    const { admitted, refusals } = await this.reserveFirst([{ deployment, tokens, eligible: true }], 'given', 1, now);
    if (admitted) return { admitted: true, reservation: admitted.reservation };
    const [refusal] = refusals;
    return { admitted: false, retryAt: refusal!.retryAt, reason: refusal!.reason };
  }

  /**
   * Orders the candidates (`ordering`) and reserves the first of the first `considered` that has
   * room, in one atomic step and one round trip.
   */
  async reserveFirst(candidates: SharedCandidate[], ordering: CandidateOrdering, considered: number, now: number): Promise<FirstAdmission> {
    const { keys, args, pending } = this.candidateInput(candidates, ordering, considered, now);
    let reply: Awaited<ReturnType<DeploymentCommands['gatewayReserveFirst']>>;
    try {
      reply = await this.redis.gatewayReserveFirst(keys.length, ...keys, ...args);
    } catch (error) {
      // A timeout here does not mean Redis did not run the script: take back whatever it reserved.
      // Sent on the same connection, this runs after the script if the script runs at all. When
      // the connection is gone this fails too: the caller gets `pending` to withdraw later.
      this.withdraw(pending).catch(() => undefined);
      throw new ReservationInDoubtError(pending, error);
    }
    const [admitted, order, flatRefusals] = reply;
    const refusals: SharedRefusal[] = [];
    for (let i = 0; i < flatRefusals.length; i += 3) {
      const retryAt = Number(flatRefusals[i + 1]);
      refusals.push({ candidate: Number(flatRefusals[i]) - 1, retryAt: retryAt === -1 ? Number.POSITIVE_INFINITY : retryAt, reason: String(flatRefusals[i + 2]) });
    }
    return {
      order: order.map((candidate) => Number(candidate) - 1),
      admitted: admitted > 0 ? { candidate: admitted - 1, reservation: pending[admitted - 1]! } : null,
      refusals,
    };
  }

  /** The index of the candidate `reserveFirst` would reserve now, null when none has room; reads only. */
  async nextPick(candidates: SharedCandidate[], ordering: CandidateOrdering, now: number): Promise<number | null> {
    const { keys, args } = this.candidateInput(candidates, ordering, candidates.length, now);
    const picked = await this.redis.gatewayNextPick(keys.length, ...keys, ...args);
    return picked > 0 ? picked - 1 : null;
  }

  /** The keys and arguments of RESERVE_FIRST_SCRIPT and NEXT_PICK_SCRIPT, and the reservations they would make. */
  private candidateInput(candidates: SharedCandidate[], ordering: CandidateOrdering, considered: number, now: number) {
    const keys: string[] = [this.keys.rotation(candidates.map((candidate) => candidate.deployment.key)), this.keys.replicaInflightKeys(this.replica.id)];
    const args: Array<string | number> = [now, ordering, considered, now + this.options.leaseMs, this.keys.ttlMs];
    const limit = (value: number | undefined) => (value === undefined ? -1 : value);
    const pending: SharedReservation[] = [];
    for (const { deployment, tokens, eligible } of candidates) {
      const windows = WINDOW_NAMES.map((name) => this.keys.window(deployment.key, name, now));
      const member = [randomUUID(), tokens, ...windows.map((window) => window.key), this.replica.id, this.replica.incarnation].join('\n');
      keys.push(
        ...windows.map((window) => window.key),
        this.keys.cooldown(deployment.key),
        this.keys.totals(deployment.key),
        this.keys.inflight(deployment.key),
      );
      args.push(
        eligible ? 1 : 0,
        tokens,
        ...WINDOW_NAMES.map((name) => limit(deployment.limits[LIMIT_FIELDS[name].requests])),
        ...WINDOW_NAMES.map((name) => limit(deployment.limits[LIMIT_FIELDS[name].tokens])),
        ...windows.map((window) => window.end),
        member,
      );
      pending.push({ deploymentKey: deployment.key, tokens, member, windowKeys: windows.map((window) => window.key) });
    }
    return { keys, args, pending };
  }

  /**
   * Releases the reservation (once, however often called) and books the tokens actually used.
   * `replayed`: a settle sent again after an outage, which Redis may have run already: it books
   * nothing unless the reservation is still held.
   */
  async settle(
    reservation: SharedReservation,
    outcome: AttemptOutcome,
    usage: { promptTokens: number; completionTokens: number } | undefined,
    now: number,
    providerReport?: RateLimitSnapshot,
    replayed = false,
  ): Promise<boolean> {
    const current = WINDOW_NAMES.map((name) => this.keys.window(reservation.deploymentKey, name, now));
    const released = await this.redis.gatewaySettle(
      ...reservation.windowKeys,
      ...current.map((window) => window.key),
      this.keys.totals(reservation.deploymentKey),
      this.keys.inflight(reservation.deploymentKey),
      this.keys.providerReport(reservation.deploymentKey),
      reservation.member,
      reservation.tokens,
      usage?.promptTokens ?? 0,
      usage?.completionTokens ?? 0,
      OUTCOME_COUNTER[outcome],
      ...current.map((window) => window.end),
      this.keys.ttlMs,
      now,
      providerReport ? Date.parse(providerReport.observedAt) : 0,
      providerReport ? JSON.stringify(providerReport) : '',
      replayed ? 1 : 0,
    );
    return released === 1;
  }

  /**
   * Releases what this replica's previous incarnations left in flight (found through the set of
   * inflight keys its id reserved in); returns how many.
   */
  async reclaim(): Promise<number> {
    const registry = this.keys.replicaInflightKeys(this.replica.id);
    const inflightKeys = await this.redis.smembers(registry);
    if (inflightKeys.length === 0) return 0;
    return this.redis.gatewayReclaim(inflightKeys.length + 1, registry, ...inflightKeys, this.replica.id, this.replica.incarnation);
  }

  /** Releases reservations as if never made, if Redis holds them; returns how many it did. */
  async withdraw(reservations: SharedReservation[]): Promise<number> {
    const keys = reservations.flatMap((reservation) => [
      ...reservation.windowKeys,
      this.keys.totals(reservation.deploymentKey),
      this.keys.inflight(reservation.deploymentKey),
    ]);
    const args = reservations.flatMap((reservation) => [reservation.member, reservation.tokens]);
    return this.redis.gatewayWithdraw(keys.length, ...keys, ...args);
  }

  /** Skips the deployment on every replica until `until` (a later cooldown is kept), saying why. */
  async coolDown(deploymentKey: string, until: number, now: number, reason = 'cooling down'): Promise<void> {
    await this.redis.gatewayCoolDown(this.keys.cooldown(deploymentKey), until, now, reason);
  }

  async cooldownUntil(deploymentKey: string, now: number): Promise<number | null> {
    const until = Number((await this.redis.hget(this.keys.cooldown(deploymentKey), 'until')) ?? 0);
    return until > now ? until : null;
  }

  /** The newest limits the provider reported to any replica, or null. */
  async providerReport(deploymentKey: string): Promise<RateLimitSnapshot | null> {
    const report = await this.redis.hget(this.keys.providerReport(deploymentKey), 'report');
    return report ? (JSON.parse(report) as RateLimitSnapshot) : null;
  }

  /** What the deployment's current windows hold, across every replica. */
  async windows(deploymentKey: string, now: number): Promise<Record<WindowName, WindowCounts>> {
    const windows = WINDOW_NAMES.map((name) => this.keys.window(deploymentKey, name, now));
    const pipeline = this.redis.pipeline();
    for (const window of windows) pipeline.hmget(window.key, 'r', 't', 'p', 'c');
    const replies = (await pipeline.exec()) ?? [];
    const result = {} as Record<WindowName, WindowCounts>;
    windows.forEach((window, index) => {
      const [error, values] = replies[index] ?? [null, []];
      if (error) throw error;
      const [r, t, p, c] = (values as Array<string | null>).map((value) => Number(value ?? 0));
      result[window.name] = { start: window.start, end: window.end, requests: r!, reservedTokens: t!, promptTokens: p!, completionTokens: c! };
    });
    return result;
  }

  /** Counters since the keys were created, across every replica. */
  async totals(
    deploymentKey: string,
  ): Promise<Record<'requests' | 'completed' | 'failures' | 'fallbacks' | 'cancellations' | 'limited' | 'promptTokens' | 'completionTokens', number>> {
    const raw = await this.redis.hgetall(this.keys.totals(deploymentKey));
    const count = (field: string) => Number(raw[field] ?? 0);
    return {
      requests: count('requests'),
      completed: count('completed'),
      failures: count('failures'),
      fallbacks: count('fallbacks'),
      cancellations: count('cancellations'),
      limited: count('limited'),
      promptTokens: count('promptTokens'),
      completionTokens: count('completionTokens'),
    };
  }

  /** Adds one to a counter kept outside the scripts (fallbacks, refusals decided by this replica). */
  async increment(deploymentKey: string, counter: 'fallbacks' | 'limited'): Promise<void> {
    const key = this.keys.totals(deploymentKey);
    await this.redis.multi().hincrby(key, counter, 1).pexpire(key, this.keys.ttlMs).exec();
  }

  /** Requests of this deployment in flight on any replica (expired leases excluded). */
  async inFlight(deploymentKey: string, now: number): Promise<number> {
    return this.redis.zcount(this.keys.inflight(deploymentKey), `(${now}`, '+inf');
  }
}
