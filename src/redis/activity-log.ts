import type { Cluster, Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/** What one finished request adds to the log (the entry and the sample are opaque strings here). */
export interface ActivityRecord {
  /** The request as the dashboard lists it. */
  entry: string;
  /** The minute it finished in (epoch ms of the minute's start). */
  minute: number;
  /** The minute counter it adds one to (its outcome). */
  outcome: string;
  tokens: number;
  /** Its answer's timings, when it had an answer. */
  sample: string | null;
}

/** One minute as every replica recorded it. */
export interface ActivityMinute {
  counts: Record<string, string>;
  samples: string[];
}

export interface ActivityLogOptions {
  /** Entries the request list keeps. */
  requestsKept: number;
  /** Samples kept per minute; beyond it, the minute's first ones stand. */
  samplesPerMinute: number;
  /** How long a minute's keys live. */
  minuteTtlMs: number;
  /** How long the request list outlives the last request. */
  requestsTtlMs: number;
}

/** Appends one finished request: the list entry, the minute's counts, the timing sample. KEYS: list, minute, samples. */
const RECORD_SCRIPT = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[5]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBY', KEYS[2], 'tokens', ARGV[3]) end
redis.call('PEXPIRE', KEYS[2], ARGV[7])
if ARGV[4] ~= '' and redis.call('LLEN', KEYS[3]) < tonumber(ARGV[6]) then
  redis.call('RPUSH', KEYS[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
end
`;

type ActivityCommands = (Redis | Cluster) & {
  gatewayRecordActivity(...args: Array<string | number>): Promise<unknown>;
};

/**
 * The dashboard's record of recent traffic, shared by every replica: the last finished requests
 * and per-minute counts and timings. Knows keys and strings only; what they mean is the dashboard's.
 */
export class ActivityLog {
  private readonly redis: ActivityCommands;

  constructor(
    redis: Redis | Cluster,
    private readonly keys: RedisKeys,
    private readonly options: ActivityLogOptions,
  ) {
    redis.defineCommand('gatewayRecordActivity', { numberOfKeys: 3, lua: RECORD_SCRIPT });
    this.redis = redis as ActivityCommands;
  }

  async record({ entry, minute, outcome, tokens, sample }: ActivityRecord): Promise<void> {
    const { requestsKept, samplesPerMinute, minuteTtlMs, requestsTtlMs } = this.options;
    await this.redis.gatewayRecordActivity(
      this.keys.recentRequests(),
      this.keys.trafficMinute(minute),
      this.keys.trafficSamples(minute),
      entry,
      outcome,
      tokens,
      sample ?? '',
      requestsKept,
      samplesPerMinute,
      minuteTtlMs,
      requestsTtlMs,
    );
  }

  /** Adds to the minute's counters (fallbacks, cache lookups, ...). */
  async count(minute: number, counts: Record<string, number>): Promise<void> {
    const key = this.keys.trafficMinute(minute);
    const transaction = this.redis.multi();
    for (const [field, by] of Object.entries(counts)) transaction.hincrby(key, field, by);
    await transaction.pexpire(key, this.options.minuteTtlMs).exec();
  }

  /** Newest first. */
  recentRequests(): Promise<string[]> {
    return this.redis.lrange(this.keys.recentRequests(), 0, this.options.requestsKept - 1);
  }

  async minute(start: number): Promise<ActivityMinute> {
    const [counts, samples] = await Promise.all([this.redis.hgetall(this.keys.trafficMinute(start)), this.redis.lrange(this.keys.trafficSamples(start), 0, -1)]);
    return { counts, samples };
  }
}
