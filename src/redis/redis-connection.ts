import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Cluster, Redis } from 'ioredis';
import type { Environment, RedisFailureMode } from '../config/environment.js';
import { ActivityLog, type ActivityLogOptions } from './activity-log.js';
import { SharedAnswerStore } from './answer-store.js';
import { ClientLimiter } from './client-limiter.js';
import { LatencyBoard } from './latency-board.js';
import { DeploymentLimiter } from './deployment-limiter.js';
import { RedisKeys } from './redis-keys.js';
import { parseRedisUrl } from '../config/redis-url.js';
import { connectRedis } from './redis-target.js';
import { RedisTimeoutError, withinDeadline, type DeadlineOptions } from './round-trip-deadline.js';
import { UnsentReleases, type Release } from './unsent-releases.js';

/**
 * However busy this process is, no Redis command holds a request longer than this many times
 * REDIS_TIMEOUT_MS: a loop that busy is overloaded in itself, and a hung Redis must still fail fast.
 */
const HARD_LIMIT_FACTOR = 8;

/** Settles kept while Redis is down; a longer outage leaves the rest to their leases. */
const UNSENT_RELEASES_KEPT = 10_000;

/**
 * The connection to the Redis every replica shares its limits through (REDIS_URL): its health,
 * commands run within a deadline, and settles kept while it cannot be reached. Commands fail
 * fast instead of queueing while the connection is down; a command Redis does not answer within REDIS_TIMEOUT_MS of its own time
 * (see `withinDeadline`: this process's lag does not count) fails too; the client reconnects by
 * itself. Without REDIS_URL nothing here connects and `enabled` is false.
 */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly enabled: boolean;
  readonly failureMode: RedisFailureMode;
  private readonly logger = new Logger('Redis');
  private readonly client: Redis | Cluster | null;
  /** The deployments' limits every replica shares; null without REDIS_URL. */
  readonly deployments: DeploymentLimiter | null;
  /** The access keys' own limits every replica shares; null without REDIS_URL. */
  readonly clients: ClientLimiter | null;
  private readonly keys: RedisKeys | null;
  private readonly deadline: DeadlineOptions;
  private outage = false;
  /** While the connection is being made: one wait for it shared by every request. */
  private readyWait: Promise<unknown> | undefined;
  private readonly unsent = new UnsentReleases(UNSENT_RELEASES_KEPT);
  private replaying = false;
  private readonly availabilityListeners: Array<(reachable: boolean) => void> = [];

  constructor(config: ConfigService<Environment, true>) {
    const url = config.get('REDIS_URL', { infer: true });
    const timeoutMs = config.get('REDIS_TIMEOUT_MS', { infer: true });
    this.failureMode = config.get('REDIS_FAILURE_MODE', { infer: true });
    this.enabled = url !== undefined;
    this.deadline = { timeoutMs, hardLimitMs: timeoutMs * HARD_LIMIT_FACTOR };
    if (!url) {
      this.client = null;
      this.deployments = null;
      this.clients = null;
      this.keys = null;
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
    const prefix = config.get('REDIS_KEY_PREFIX', { infer: true });
    this.keys = new RedisKeys(prefix);
    this.clients = new ClientLimiter(this.client, this.keys);
    this.deployments = new DeploymentLimiter(this.client, {
      prefix,
      // A request in flight longer than this is presumed lost with its replica (one that never
      // comes back: a restarted one releases its own at once).
      leaseMs: 15 * 60_000,
      replica: {
        id: config.get('REDIS_REPLICA_ID', { infer: true }) ?? `${hostname()}:${config.get('PORT', { infer: true })}`,
        incarnation: randomUUID(),
      },
    });
  }

  /** The dashboard's record of recent traffic, shared by every replica; null without REDIS_URL. */
  activityLog(options: ActivityLogOptions): ActivityLog | null {
    return this.client ? new ActivityLog(this.client, this.keys!, options) : null;
  }

  /** Cached answers every replica shares; null without REDIS_URL. */
  answerStore(): SharedAnswerStore | null {
    const keys = this.keys;
    return this.client && keys ? new SharedAnswerStore(this.client, (hash) => keys.cachedAnswer(hash)) : null;
  }

  /** The Responses API's output items every replica can resolve; null without REDIS_URL. */
  responseItemStore(): SharedAnswerStore | null {
    const keys = this.keys;
    return this.client && keys ? new SharedAnswerStore(this.client, (id) => keys.responseItem(id)) : null;
  }

  /** Every replica's estimates of each deployment's pace; null without REDIS_URL. */
  latencyBoard(): LatencyBoard | null {
    return this.client ? new LatencyBoard(this.client, this.keys!) : null;
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

  /** Told when an outage starts (once per outage) and when it ends. */
  onAvailability(listener: (reachable: boolean) => void): void {
    this.availabilityListeners.push(listener);
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
  async attempt<T>(command: () => Promise<T>, abandoned?: (late: Promise<T>) => void): Promise<T | undefined> {
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
  release(release: Release): void {
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
    if (release.kind === 'withdraw') return this.deployments!.withdraw(release.reservations);
    const { reservation, outcome, usage, now, providerReport } = release;
    return this.deployments!.settle(reservation, outcome, usage, now, providerReport, replayed);
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
      const released = await this.deployments!.reclaim();
      if (released > 0) this.logger.log(`Released ${released} reservations a previous run of this replica left in flight`);
    } catch {
      // Redis went away again: the next 'ready' tries once more.
    }
    await this.replay();
  }

  private markRecovered(): void {
    this.outage = false;
    this.logger.log('Redis is reachable again: limits are shared across replicas once more');
    for (const listener of this.availabilityListeners) listener(true);
    void this.replay();
  }

  /** What an outage means for requests is the limit store's to say (and log). */
  private markOutage(): void {
    if (this.outage) return;
    this.outage = true;
    for (const listener of this.availabilityListeners) listener(false);
  }
}
