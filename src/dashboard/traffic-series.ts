import type { ChatOutcome, ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import type { TrafficMinuteDto } from './dto/dashboard-data.dto.js';

/** How far back the charts reach. */
export const SERIES_MINUTES = 15;
/** Time-to-first-token samples kept per deployment and minute (beyond it, the minute's first ones stand). */
const MAX_SAMPLES = 1_000;
const MINUTE_MS = 60_000;

const OUTCOMES: readonly ChatOutcome[] = ['completed', 'rejected', 'failed', 'interrupted', 'cancelled'];

interface Bucket {
  start: number;
  requests: Record<ChatOutcome, number>;
  tokens: number;
  fallbacks: number;
  /** Per deployment (`provider/model`): time to first token (ms) and output tokens per second after it. */
  answers: Map<string, { firstTokenMs: number[]; tokensPerSecond: number[] }>;
}

/**
 * Per-minute counts of the last SERIES_MINUTES minutes, kept in memory by this replica: requests
 * by outcome, tokens, fallbacks, and per deployment the time to first token (p50 and p95) and
 * the median pace of its answers after it, computed when read. Minutes with no traffic are reported as zeros, so a chart's x axis has no gaps.
 */
export class TrafficSeries {
  private readonly buckets: Bucket[] = [];

  requestFinished(summary: ChatRequestSummary, now: number): void {
    const bucket = this.bucketAt(now);
    bucket.requests[summary.outcome] += 1;
    bucket.tokens += summary.promptTokens + summary.completionTokens;
    if (summary.deployment && summary.timeToFirstTokenMs !== null) {
      const key = `${summary.deployment.provider}/${summary.deployment.model}`;
      let samples = bucket.answers.get(key);
      if (!samples) bucket.answers.set(key, (samples = { firstTokenMs: [], tokensPerSecond: [] }));
      if (samples.firstTokenMs.length < MAX_SAMPLES) samples.firstTokenMs.push(summary.timeToFirstTokenMs);
      // The pace of a whole answer only: an interrupted one ended early, a one-token one has no pace.
      const streamingMs = summary.durationMs - summary.timeToFirstTokenMs;
      if (summary.outcome === 'completed' && summary.completionTokens > 1 && streamingMs > 0 && samples.tokensPerSecond.length < MAX_SAMPLES) {
        samples.tokensPerSecond.push((summary.completionTokens * 1000) / streamingMs);
      }
    }
  }

  fellBack(now: number): void {
    this.bucketAt(now).fallbacks += 1;
  }

  /** The last SERIES_MINUTES minutes, oldest first, the current (partial) minute last. */
  minutes(now: number): TrafficMinuteDto[] {
    const current = minuteOf(now);
    const byStart = new Map(this.buckets.map((bucket) => [bucket.start, bucket]));
    const minutes: TrafficMinuteDto[] = [];
    for (let start = current - (SERIES_MINUTES - 1) * MINUTE_MS; start <= current; start += MINUTE_MS) {
      const bucket = byStart.get(start) ?? emptyBucket(start);
      minutes.push({
        start: new Date(start).toISOString(),
        requests: { ...bucket.requests },
        tokens: bucket.tokens,
        fallbacks: bucket.fallbacks,
        timeToFirstToken: [...bucket.answers].map(([deployment, samples]) => {
          const sorted = [...samples.firstTokenMs].sort((a, b) => a - b);
          const pace = [...samples.tokensPerSecond].sort((a, b) => a - b);
          return {
            deployment,
            count: sorted.length,
            p50Ms: Math.round(rank(sorted, 0.5)),
            p95Ms: Math.round(rank(sorted, 0.95)),
            tokensPerSecondP50: pace.length > 0 ? Math.round(rank(pace, 0.5)) : null,
          };
        }),
      });
    }
    return minutes;
  }

  private bucketAt(now: number): Bucket {
    const start = minuteOf(now);
    const last = this.buckets.at(-1);
    if (last?.start === start) return last;
    const bucket = emptyBucket(start);
    this.buckets.push(bucket);
    const oldest = start - (SERIES_MINUTES - 1) * MINUTE_MS;
    while (this.buckets[0]!.start < oldest) this.buckets.shift();
    return bucket;
  }
}

function minuteOf(time: number): number {
  return time - (time % MINUTE_MS);
}

function emptyBucket(start: number): Bucket {
  return { start, requests: Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<ChatOutcome, number>, tokens: 0, fallbacks: 0, answers: new Map() };
}

/** Nearest-rank percentile of sorted, non-empty samples. */
function rank(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
