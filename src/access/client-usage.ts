import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { AccessKeyLimitedError } from '../common/errors/gateway-errors.js';
import { ChatTelemetry, type ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { ClientUsageReport, type ClientUsageSnapshot } from '../usage/client-usage-report.js';
import { Clock } from '../usage/clock.js';
import { InMemoryLimitStore } from '../usage/in-memory-limit-store.js';
import { LimitStore } from '../usage/limit-store.js';
import { AccessKeys, type AccessKey } from './access-keys.js';

/**
 * Each access key's own limits and usage, counted in the LimitStore: chat requests per fixed UTC
 * minute, counted when the guard admits them; tokens per UTC day, booked when a request finishes
 * (from ChatTelemetry), so a key can go over tokensPerDay by what its requests in flight use; the
 * next request is then refused until the day ends.
 */
@Injectable()
export class ClientUsage implements ClientUsageReport, OnModuleInit {
  private readonly store: LimitStore;
  private readonly byName: ReadonlyMap<string, AccessKey>;

  /** Without a store (constructed directly), the counts are this process's own. */
  constructor(
    private readonly keys: AccessKeys,
    private readonly clock: Clock,
    private readonly telemetry: ChatTelemetry,
    @Optional() store?: LimitStore,
  ) {
    this.store = store ?? new InMemoryLimitStore(clock);
    this.byName = new Map(keys.all.map((key) => [key.name, key]));
  }

  onModuleInit(): void {
    this.telemetry.subscribe({ requestFinished: (summary) => this.book(summary) });
  }

  /**
   * Counts a chat request against the key's limits, or throws AccessKeyLimitedError (429) when one
   * is used up. With REDIS_URL a key with limits is checked against the counts every replica
   * shares (one round trip; a key without limits costs none until its request is booked);
   * REDIS_FAILURE_MODE decides while Redis is unreachable. This replica's own counts keep going
   * all along, for when it must decide alone.
   */
  async admit(key: AccessKey): Promise<void> {
    if (!this.byName.has(key.name)) return;
    const now = this.clock.now();
    const admission = await this.store.clientAdmit(key.name, key.limits);
    if (!admission.admitted) throw new AccessKeyLimitedError(admission.limit, key.limits[admission.limit]!, secondsUntil(admission.retryAt, now));
  }

  /** Every key in file order, with its limits; unused keys show zeros. With REDIS_URL, every replica's counts. */
  async snapshot(): Promise<ClientUsageSnapshot[]> {
    return Promise.all(this.keys.all.map(async ({ name, limits }) => ({ name, limits, ...(await this.store.clientUsage(name)) })));
  }

  private book({ client, promptTokens, completionTokens }: ChatRequestSummary): void {
    const key = client === null ? undefined : this.byName.get(client);
    if (!key) return;
    this.store.clientBook(key.name, key.limits, { promptTokens, completionTokens });
  }
}

/** Whole seconds until `end`, at least 1 (a Retry-After of 0 invites a busy loop). */
function secondsUntil(end: number, now: number): number {
  return Math.max(1, Math.ceil((end - now) / 1000));
}
