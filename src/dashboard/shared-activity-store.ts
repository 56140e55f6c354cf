import type { ActivityLog } from '../redis/activity-log.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import type { ChatOutcome, ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { ActivityStore, trafficView, type ActivityView, type InMemoryActivityStore } from './activity-store.js';
import type { RecentRequestDto } from './dto/dashboard-data.dto.js';
import { recentRequest } from './request-history.js';
import { addSample, answerSample, ClosedMinutes, emptyBucket, minuteOf, OUTCOMES, seriesStarts, type AnswerSample, type TrafficMinute } from './traffic-series.js';

/** How long after its end a minute may still get another replica's record (clock skew, a slow write). */
const LATE_RECORD_GRACE_MS = 5_000;

/**
 * Every replica's traffic, through Redis (REDIS_URL): each finished request goes to the shared
 * log and to this replica's own store. While Redis cannot be reached, reads show this replica's
 * own (and say so). What Redis holds is read as untrusted: an entry that does not parse is skipped.
 */
export class SharedActivityStore extends ActivityStore {
  private readonly closed = new ClosedMinutes(LATE_RECORD_GRACE_MS);

  constructor(
    private readonly log: ActivityLog,
    private readonly connection: RedisConnection,
    private readonly local: InMemoryActivityStore,
  ) {
    super();
  }

  requestFinished(summary: ChatRequestSummary, now: number): void {
    this.local.requestFinished(summary, now);
    const sample = answerSample(summary);
    void this.connection.attempt(() =>
      this.log.record({
        entry: JSON.stringify(recentRequest(summary, now)),
        minute: minuteOf(now),
        outcome: summary.outcome,
        tokens: summary.promptTokens + summary.completionTokens,
        sample: sample ? JSON.stringify(sample) : null,
      }),
    );
  }

  fellBack(now: number): void {
    this.local.fellBack(now);
    void this.connection.attempt(() => this.log.count(minuteOf(now), { fallbacks: 1 }));
  }

  cacheLookup(now: number, result: 'hit' | 'miss', bytes = 0): void {
    this.local.cacheLookup(now, result, bytes);
    const counts: Record<string, number> = result === 'hit' ? { cacheHits: 1, cacheBytesServed: bytes } : { cacheMisses: 1 };
    void this.connection.attempt(() => this.log.count(minuteOf(now), counts));
  }

  async read(now: number): Promise<ActivityView> {
    const shared = await this.connection.attempt(() => Promise.all([this.log.recentRequests(), this.minutes(now)]));
    if (!shared) return this.local.read(now);
    const [entries, minutes] = shared;
    return { scope: 'shared', recentRequests: entries.map(parseEntry).filter((entry): entry is RecentRequestDto => entry !== null), ...trafficView(minutes) };
  }

  /** Only minutes not yet ended (with the grace) are read from Redis. */
  private minutes(now: number): Promise<TrafficMinute[]> {
    return Promise.all(
      seriesStarts(now).map(async (start) => {
        const closed = this.closed.get(start);
        if (closed) return closed;
        const minute = await this.log.minute(start);
        const bucket = emptyBucket(start);
        for (const outcome of OUTCOMES) bucket.requests[outcome] = count(minute.counts[outcome]);
        bucket.tokens = count(minute.counts.tokens);
        bucket.fallbacks = count(minute.counts.fallbacks);
        bucket.cache = { hits: count(minute.counts.cacheHits), misses: count(minute.counts.cacheMisses), bytesServed: count(minute.counts.cacheBytesServed) };
        for (const raw of minute.samples) {
          const sample = parseSample(raw);
          if (sample) addSample(bucket, sample);
        }
        return this.closed.keep(bucket, now);
      }),
    );
  }
}

function count(raw: string | undefined): number {
  const value = Number(raw ?? 0);
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

const OUTCOME_NAMES = new Set<string>(OUTCOMES satisfies readonly ChatOutcome[]);

function parseEntry(raw: string): RecentRequestDto | null {
  const entry = parseJson(raw) as Partial<RecentRequestDto> | null;
  const valid =
    typeof entry === 'object' && entry !== null && (entry.cache === undefined || entry.cache === null || entry.cache === 'hit' || entry.cache === 'miss') &&
    typeof entry.requestId === 'string' && typeof entry.finishedAt === 'string' && typeof entry.outcome === 'string' && OUTCOME_NAMES.has(entry.outcome) &&
    Array.isArray(entry.failedAttempts) && typeof entry.durationMs === 'number';
  return valid ? (entry as RecentRequestDto) : null;
}

function parseSample(raw: string): AnswerSample | null {
  const sample = parseJson(raw) as Partial<AnswerSample> | null;
  if (typeof sample !== 'object' || sample === null || typeof sample.deployment !== 'string') return null;
  const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
  if (!finite(sample.firstTokenMs) || (sample.tokensPerSecond !== null && !finite(sample.tokensPerSecond))) return null;
  return { deployment: sample.deployment, firstTokenMs: sample.firstTokenMs, tokensPerSecond: sample.tokensPerSecond };
}
