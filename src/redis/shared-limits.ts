import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Cluster, Redis } from 'ioredis';
import type { Environment, RedisFailureMode } from '../config/environment.js';
import type { Deployment } from '../config/model-catalog.js';
import type { AttemptOutcome } from '../usage/usage-tracker.service.js';
import type { WindowName } from '../usage/usage-window.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import {
  RedisLimiter,
  ReservationInDoubtError,
  type ClientAdmission,
  type ClientBooking,
  type ClientLimits,
  type FirstAdmission,
  type SharedClientUsage,
  type SharedCandidate,
  type SharedOrdering,
  type SharedReservation,
  type SharedWindow,
} from './redis-limiter.js';
import { connectRedis, parseRedisUrl } from './redis-target.js';
import { RedisTimeoutError, withinDeadline, type DeadlineOptions } from './round-trip-deadline.js';
import { UnsentReleases, type Release } from './unsent-releases.js';

/**
 * However busy this process is, no Redis command holds a request longer than this many times
 * REDIS_TIMEOUT_MS: a loop that busy is overloaded in itself, and a hung Redis must still fail fast.
 */
const HARD_LIMIT_FACTOR = 8;

/** Settles kept while Redis is down; a longer outage leaves the rest to their leases. */
const UNSENT_RELEASES_KEPT = 10_000;

/** What a shared check said; `unreachable` leaves the decision to REDIS_FAILURE_MODE. */
export type SharedAdmissionResult =
  | { kind: 'admitted'; reservation: SharedReservation }
  | { kind: 'refused'; retryAt: number; reason: string }
  | { kind: 'unreachable' };

/** Totals across replicas, as booked in Redis. */
export type SharedTotals = Awaited<ReturnType<RedisLimiter['totals']>>;

/**
 * The limits every replica shares when REDIS_URL is set: the connection, its health, and what a
 * request does when Redis cannot be reached. Commands fail fast instead of queueing while the
 * connection is down; a command Redis does not answer within REDIS_TIMEOUT_MS of its own time
 * (see `withinDeadline`: this process's lag does not count) fails too; the client reconnects by
 * itself. Without REDIS_URL nothing here connects and `enabled` is false.
 */
@Injectable()
export class SharedLimits implements OnModuleInit, OnApplicationShutdown {
  readonly enabled: boolean;
  readonly failureMode: RedisFailureMode;
  private readonly logger = new Logger('SharedLimits');
  private readonly client: Redis | Cluster | null;
  private readonly limiter: RedisLimiter | null;
  private readonly deadline: DeadlineOptions;
  private outage = false;
  /** While the connection is being made: one wait for it shared by every request. */
  private readyWait: Promise<unknown> | undefined;
  private readonly unsent = new UnsentReleases(UNSENT_RELEASES_KEPT);
  private replaying = false;

  constructor(config: ConfigService<Environment, true>) {
    const url = config.get('REDIS_URL', { infer: true });
    const timeoutMs = config.get('REDIS_TIMEOUT_MS', { infer: true });
    this.failureMode = config.get('REDIS_FAILURE_MODE', { infer: true });
    this.enabled = url !== undefined;
    this.deadline = { timeoutMs, hardLimitMs: timeoutMs * HARD_LIMIT_FACTOR };
    if (!url) {
      this.client = null;
      this.limiter = null;
      return;
    }
    this.client = connectRedis(parseRedisUrl(url), {
      // No commandTimeout: it counts from when a command is queued, so it fires on this process's
      // own lag; every command goes through `withinDeadline` instead. The connect timeout is a
      // timer too: given the same hard limit.
      connectTimeout: Math.max(this.deadline.hardLimitMs, 1_000),
      enableOfflineQueue: false,
      // Commands issued in the same tick (many requests at once) leave in one write.
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
    });
    // Logged once per outage, not once per request; the URL (it may hold a password) never is.
    this.client.on('error', () => this.markOutage());
    this.client.on('ready', () => {
      if (this.outage) this.markRecovered();
      // At start-up, and after every reconnection (Redis may have been restarted meanwhile).
      void this.reclaim();
    });
    this.limiter = new RedisLimiter(this.client, {
      prefix: config.get('REDIS_KEY_PREFIX', { infer: true }),
      // A request in flight longer than this is presumed lost with its replica (one that never
      // comes back: a restarted one releases its own at once).
      leaseMs: 15 * 60_000,
      replica: {
        id: config.get('REDIS_REPLICA_ID', { infer: true }) ?? `${hostname()}:${config.get('PORT', { infer: true })}`,
        incarnation: randomUUID(),
      },
    });
  }

  /** Gives the first connection a moment; a Redis that is down does not stop the gateway starting. */
  async onModuleInit(): Promise<void> {
    if (!this.client || this.client.status === 'ready') return;
    const timeout = new Promise((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([once(this.client, 'ready'), timeout]).catch(() => undefined);
  }

  /** True while Redis answers. */
  get reachable(): boolean {
    return this.client?.status === 'ready';
  }

  async reserve(deployment: Deployment, tokens: number, now: number): Promise<SharedAdmissionResult> {
    const result = await this.reserveFirst([{ deployment, tokens, eligible: true }], 'given', 1, now);
    if (result === undefined) return { kind: 'unreachable' };
    if (result.admitted) return { kind: 'admitted', reservation: result.admitted.reservation };
    const [refusal] = result.refusals;
    return { kind: 'refused', retryAt: refusal!.retryAt, reason: refusal!.reason };
  }

  /**
   * Orders the candidates and reserves the first with room; undefined when Redis cannot be reached.
   * A reservation Redis made after the deadline gave up on it is withdrawn: the request went on
   * without it.
   */
  async reserveFirst(candidates: SharedCandidate[], ordering: SharedOrdering, considered: number, now: number): Promise<FirstAdmission | undefined> {
    return this.attempt(
      async () => {
        try {
          return await this.limiter!.reserveFirst(candidates, ordering, considered, now);
        } catch (error) {
          if (error instanceof ReservationInDoubtError) this.release({ kind: 'withdraw', reservations: error.pending });
          throw error;
        }
      },
      (late) => {
        late.then(
          (result) => {
            if (result.admitted) this.release({ kind: 'withdraw', reservations: [result.admitted.reservation] });
          },
          () => undefined,
        );
      },
    );
  }

  /**
   * Books the outcome, and the provider's newest report of its limits when there is one to share.
   * A settle Redis did not get is sent again once it is back.
   */
  settle(
    reservation: SharedReservation,
    outcome: AttemptOutcome,
    usage: { promptTokens: number; completionTokens: number } | undefined,
    now: number,
    providerReport?: RateLimitSnapshot,
  ): void {
    this.release({ kind: 'settle', reservation, outcome, usage, now, providerReport });
  }

  coolDown(deploymentKey: string, until: number, now: number, reason?: string): void {
    void this.attempt(() => this.limiter!.coolDown(deploymentKey, until, now, reason));
  }

  increment(deploymentKey: string, counter: 'fallbacks' | 'limited'): void {
    void this.attempt(() => this.limiter!.increment(deploymentKey, counter));
  }

  /** The deployment's windows and totals across replicas; undefined when Redis cannot be reached. */
  async usage(
    deploymentKey: string,
    now: number,
  ): Promise<{ windows: Record<WindowName, SharedWindow>; totals: SharedTotals; inFlight: number } | undefined> {
    return this.attempt(async () => {
      const [windows, totals, inFlight] = await Promise.all([
        this.limiter!.windows(deploymentKey, now),
        this.limiter!.totals(deploymentKey),
        this.limiter!.inFlight(deploymentKey, now),
      ]);
      return { windows, totals, inFlight };
    });
  }

  /** The cooldown and the newest provider report any replica learned; undefined when Redis cannot be reached. */
  async routingState(deploymentKey: string, now: number): Promise<{ cooldownUntil: number | null; providerReport: RateLimitSnapshot | null } | undefined> {
    return this.attempt(async () => {
      const [cooldownUntil, providerReport] = await Promise.all([
        this.limiter!.cooldownUntil(deploymentKey, now),
        this.limiter!.providerReport(deploymentKey),
      ]);
      return { cooldownUntil, providerReport };
    });
  }

  /** An access key's own limits across replicas; undefined when Redis cannot be reached. */
  async clientAdmit(name: string, limits: ClientLimits, now: number): Promise<ClientAdmission | undefined> {
    return this.attempt(() => this.limiter!.clientAdmit(name, limits, now));
  }

  clientBook(name: string, usage: ClientBooking, now: number): void {
    void this.attempt(() => this.limiter!.clientBook(name, usage, now));
  }

  async clientUsage(name: string, now: number): Promise<SharedClientUsage | undefined> {
    return this.attempt(() => this.limiter!.clientUsage(name, now));
  }

  /** For readiness: answers within the command timeout or not at all. */
  async ping(): Promise<boolean> {
    return (await this.attempt(() => this.client!.ping())) === 'PONG';
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    await this.client.quit().catch(() => this.client!.disconnect());
  }

  /**
   * Runs a command within the deadline; undefined (and an outage) when Redis cannot answer.
   * `abandoned` gets the command when the deadline gave up on it, which Redis may still run.
   */
  private async attempt<T>(command: () => Promise<T>, abandoned?: (late: Promise<T>) => void): Promise<T | undefined> {
    if (!this.client) return undefined;
    if (this.client.status !== 'ready' && !(await this.connecting())) {
      this.markOutage();
      return undefined;
    }
    const work = command();
    try {
      const result = await withinDeadline(work, this.deadline);
      // A command that timed out marks an outage without the connection dropping: no 'ready' follows.
      if (this.outage) this.markRecovered();
      return result;
    } catch (error) {
      if (error instanceof RedisTimeoutError) abandoned?.(work);
      this.markOutage();
      return undefined;
    }
  }

  /**
   * True once a connection being made (at start-up, or just after one dropped) is ready within
   * the deadline. Not waited for in a known outage: requests then fail fast.
   */
  private async connecting(): Promise<boolean> {
    const client = this.client!;
    if (this.outage || !['wait', 'connecting', 'connect', 'reconnecting'].includes(client.status)) return false;
    this.readyWait ??= once(client, 'ready').finally(() => (this.readyWait = undefined));
    try {
      await withinDeadline(this.readyWait, this.deadline);
      return client.status === 'ready';
    } catch {
      return false;
    }
  }

  /** Sends a release now, or keeps it for when Redis is back if it cannot be sent or answered. */
  private release(release: Release): void {
    if (this.client!.status !== 'ready') {
      this.markOutage();
      this.unsent.add(release);
      return;
    }
    const sent = this.send(release, false);
    // The connection dropped before Redis answered: it may or may not have run it, and a
    // replayed settle books nothing unless the reservation is still held.
    sent.catch(() => this.unsent.add(release));
    void this.attempt(() => sent);
  }

  private send(release: Release, replayed: boolean): Promise<unknown> {
    if (release.kind === 'withdraw') return this.limiter!.withdraw(release.reservations);
    const { reservation, outcome, usage, now, providerReport } = release;
    return this.limiter!.settle(reservation, outcome, usage, now, providerReport, replayed);
  }

  /** Sends again what could not be sent while Redis was unreachable. */
  private async replay(): Promise<void> {
    if (this.replaying || this.unsent.size === 0) return;
    this.replaying = true;
    try {
      const { releases, dropped } = this.unsent.takeAll();
      const results = await Promise.allSettled(releases.map((release) => this.send(release, true)));
      results.forEach((result, index) => {
        if (result.status === 'rejected') this.unsent.add(releases[index]!);
      });
      const sent = results.filter((result) => result.status === 'fulfilled').length;
      if (sent > 0) this.logger.log(`Released ${sent} reservations whose settle could not reach Redis during the outage`);
      if (dropped > 0) this.logger.warn(`${dropped} settles were not kept during the outage: their reservations are released when their lease runs out`);
    } finally {
      this.replaying = false;
    }
  }

  /** Releases what a previous run of this replica left in flight, and what this one could not send. */
  private async reclaim(): Promise<void> {
    try {
      const released = await this.limiter!.reclaim();
      if (released > 0) this.logger.log(`Released ${released} reservations a previous run of this replica left in flight`);
    } catch {
      // Redis went away again: the next 'ready' tries once more.
    }
    await this.replay();
  }

  private markRecovered(): void {
    this.outage = false;
    this.logger.log('Redis is reachable again: limits are shared across replicas once more');
    void this.replay();
  }

  private markOutage(): void {
    if (this.outage) return;
    this.outage = true;
    this.logger.warn(
      this.failureMode === 'open'
        ? 'Redis is unreachable: serving with this replica’s own limits until it is back (REDIS_FAILURE_MODE=open)'
        : 'Redis is unreachable: chat requests are refused with 503 until it is back (REDIS_FAILURE_MODE=closed)',
    );
  }
}
