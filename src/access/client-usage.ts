import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { AccessKeyLimitedError, SharedLimitsUnavailableError } from '../common/errors/gateway-errors.js';
import { SharedLimits } from '../redis/shared-limits.js';
import { ChatTelemetry, type ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { Clock } from '../usage/clock.js';
import { UsageWindow } from '../usage/usage-window.js';
import type { AccessKeyLimits } from './access-key.js';
import { AccessKeys, type AccessKey } from './access-keys.js';

interface ClientCounters {
  key: AccessKey;
  /** Requests admitted here; the minute window's requests are what requestsPerMinute counts. */
  minute: UsageWindow;
  /** Tokens of finished requests; what tokensPerDay counts. */
  day: UsageWindow;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Requests refused by the key's own limits. */
  rejected: number;
}

/** One key's usage as GET /usage reports it; times in epoch ms. */
export interface ClientUsageSnapshot {
  name: string;
  limits: Readonly<AccessKeyLimits>;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  rejected: number;
  minute: { start: number; end: number; requests: number };
  day: { start: number; end: number; tokens: number };
}

/**
 * Each access key's own limits and usage, in this process: chat requests per fixed UTC minute,
 * counted when the guard admits them; tokens per UTC day, booked when a request finishes (from
 * ChatTelemetry), so a key can go over tokensPerDay by what its requests in flight use; the next
 * request is then refused until the day ends.
 */
@Injectable()
export class ClientUsage implements OnModuleInit {
  private readonly byName = new Map<string, ClientCounters>();

  constructor(
    private readonly keys: AccessKeys,
    private readonly clock: Clock,
    private readonly telemetry: ChatTelemetry,
    @Optional() private readonly shared?: SharedLimits,
  ) {
    for (const key of keys.all) {
      this.byName.set(key.name, {
        key,
        minute: new UsageWindow('minute'),
        day: new UsageWindow('day'),
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        rejected: 0,
      });
    }
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
    const counters = this.byName.get(key.name);
    if (!counters) return;
    const now = this.clock.now();
    if (this.shared?.enabled && hasOwnLimits(key)) {
      const shared = await this.shared.clientAdmit(key.name, key.limits, now);
      if (shared?.admitted === false) {
        counters.rejected += 1;
        throw new AccessKeyLimitedError(shared.limit, key.limits[shared.limit]!, secondsUntil(shared.retryAt, now));
      }
      if (shared?.admitted) {
        this.count(counters, now);
        return;
      }
      if (this.shared.failureMode === 'closed') throw new SharedLimitsUnavailableError();
    }
    this.admitLocally(key, counters, now);
  }

  private admitLocally(key: AccessKey, counters: ClientCounters, now: number): void {
    const minute = counters.minute.roll(now);
    const day = counters.day.roll(now);
    const { requestsPerMinute, tokensPerDay } = key.limits;
    const refusal =
      tokensPerDay !== undefined && day.promptTokens + day.completionTokens >= tokensPerDay
        ? new AccessKeyLimitedError('tokensPerDay', tokensPerDay, secondsUntil(day.end, now))
        : requestsPerMinute !== undefined && minute.requests >= requestsPerMinute
          ? new AccessKeyLimitedError('requestsPerMinute', requestsPerMinute, secondsUntil(minute.end, now))
          : null;
    if (refusal) {
      counters.rejected += 1;
      throw refusal;
    }
    this.count(counters, now);
  }

  private count(counters: ClientCounters, now: number): void {
    counters.minute.roll(now).requests += 1;
    counters.day.roll(now).requests += 1;
    counters.requests += 1;
  }

  /** Every key in file order, with its limits; unused keys show zeros. With REDIS_URL, every replica's counts. */
  async snapshot(): Promise<ClientUsageSnapshot[]> {
    const now = this.clock.now();
    const sharing = !!this.shared?.enabled && this.shared.reachable;
    return Promise.all(this.keys.all.map(async ({ name, limits }) => {
      const shared = sharing ? await this.shared!.clientUsage(name, now) : undefined;
      if (shared) return { name, limits, ...shared };
      const counters = this.byName.get(name)!;
      const minute = counters.minute.roll(now);
      const day = counters.day.roll(now);
      return {
        name,
        limits,
        requests: counters.requests,
        promptTokens: counters.promptTokens,
        completionTokens: counters.completionTokens,
        rejected: counters.rejected,
        minute: { start: minute.start, end: minute.end, requests: minute.requests },
        day: { start: day.start, end: day.end, tokens: day.promptTokens + day.completionTokens },
      };
    }));
  }

  private book({ client, promptTokens, completionTokens }: ChatRequestSummary): void {
    const counters = client === null ? undefined : this.byName.get(client);
    if (!counters) return;
    const { key } = counters;
    const now = this.clock.now();
    // A key with limits had its request counted in Redis on admission; one without, here.
    const countRequest = !hasOwnLimits(key);
    if (this.shared?.enabled && (countRequest || promptTokens + completionTokens > 0)) {
      this.shared.clientBook(key.name, { promptTokens, completionTokens, countRequest }, now);
    }
    const day = counters.day.roll(now);
    day.promptTokens += promptTokens;
    day.completionTokens += completionTokens;
    counters.promptTokens += promptTokens;
    counters.completionTokens += completionTokens;
  }
}

/** Whether the key has limits of its own (which are checked in Redis when replicas share them). */
function hasOwnLimits(key: AccessKey): boolean {
  return key.limits.requestsPerMinute !== undefined || key.limits.tokensPerDay !== undefined;
}

/** Whole seconds until `end`, at least 1 (a Retry-After of 0 invites a busy loop). */
function secondsUntil(end: number, now: number): number {
  return Math.max(1, Math.ceil((end - now) / 1000));
}
