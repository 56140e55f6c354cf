import type { ChatOutcome, ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import type { FirstTokenLatencyDto, TrafficMinuteDto } from './dto/dashboard-data.dto.js';

/** How far back the charts reach. */
export const SERIES_MINUTES = 15;
/** How far back a deployment's recent pace (its card) reaches. */
export const RECENT_MINUTES = 5;
/** Time-to-first-token samples kept per deployment and minute (beyond it, the minute's first ones stand). */
const MAX_SAMPLES = 1_000;
export const MINUTE_MS = 60_000;

export const OUTCOMES: readonly ChatOutcome[] = ['completed', 'rejected', 'failed', 'interrupted', 'cancelled'];

/** One answer's timings: time to first token (ms), and output tokens per second after it when it completed. */
export interface AnswerSample {
  deployment: string;
  firstTokenMs: number;
  tokensPerSecond: number | null;
}

/** One minute's counts and timings. */
export interface TrafficBucket {
  start: number;
  requests: Record<ChatOutcome, number>;
  tokens: number;
  fallbacks: number;
  cache: { hits: number; misses: number; bytesServed: number };
  /** Per deployment (`provider/model`): time to first token (ms) and output tokens per second after it. */
  answers: Map<string, { firstTokenMs: number[]; tokensPerSecond: number[] }>;
}

/**
 * Per-minute counts of the last SERIES_MINUTES minutes, kept in memory by this replica: requests
 * by outcome, tokens, fallbacks, and per deployment the time to first token (p50 and p95) and
 * the median pace of its answers after it. Minutes with no traffic are reported as zeros, so a
 * chart's x axis has no gaps. A minute's figures are computed once it has ended, not on every read.
 */
export class TrafficSeries {
  private readonly buckets: TrafficBucket[] = [];
  private readonly closed = new ClosedMinutes();

  requestFinished(summary: ChatRequestSummary, now: number): void {
    const bucket = this.bucketAt(now);
    bucket.requests[summary.outcome] += 1;
    bucket.tokens += summary.promptTokens + summary.completionTokens;
    const sample = answerSample(summary);
    if (sample) addSample(bucket, sample);
  }

  fellBack(now: number): void {
    this.bucketAt(now).fallbacks += 1;
  }

  cacheLookup(now: number, result: 'hit' | 'miss', bytes = 0): void {
    const { cache } = this.bucketAt(now);
    if (result === 'hit') {
      cache.hits += 1;
      cache.bytesServed += bytes;
    } else cache.misses += 1;
  }

  /** The last SERIES_MINUTES minutes, oldest first, the current (partial) minute last. */
  minutes(now: number): TrafficMinute[] {
    const byStart = new Map(this.buckets.map((bucket) => [bucket.start, bucket]));
    return seriesStarts(now).map((start) => this.closed.get(start) ?? this.closed.keep(byStart.get(start) ?? emptyBucket(start), now));
  }

  private bucketAt(now: number): TrafficBucket {
    const start = minuteOf(now);
    const last = this.buckets.at(-1);
    if (last?.start === start) return last;
    const bucket = emptyBucket(start);
    this.buckets.push(bucket);
    const oldest = seriesStarts(now)[0]!;
    while (this.buckets[0]!.start < oldest) this.buckets.shift();
    return bucket;
  }
}

/** A minute's counts and timings, and its figures as the dashboard reports them. */
export interface TrafficMinute {
  bucket: TrafficBucket;
  view: TrafficMinuteDto;
}

/**
 * Minutes that have ended, kept with their figures so they are read and computed once.
 * `graceMs`: how long after its end a minute may still change (another replica's late record).
 */
export class ClosedMinutes {
  private readonly minutes = new Map<number, TrafficMinute>();

  constructor(private readonly graceMs = 0) {}

  get(start: number): TrafficMinute | undefined {
    return this.minutes.get(start);
  }

  /** The minute with its figures; kept when it has ended. */
  keep(bucket: TrafficBucket, now: number): TrafficMinute {
    const minute = { bucket, view: minuteView(bucket) };
    if (bucket.start + MINUTE_MS + this.graceMs <= now) {
      this.minutes.set(bucket.start, minute);
      const oldest = seriesStarts(now)[0]!;
      for (const kept of this.minutes.keys()) if (kept < oldest) this.minutes.delete(kept);
    }
    return minute;
  }
}

/** Per deployment, the figures over every answer of the last RECENT_MINUTES minutes (`minutes` oldest first). */
export function recentAnswers(minutes: readonly TrafficMinute[]): FirstTokenLatencyDto[] {
  const merged = emptyBucket(0);
  for (const { bucket } of minutes.slice(-RECENT_MINUTES)) {
    for (const [deployment, samples] of bucket.answers) {
      const into = merged.answers.get(deployment) ?? { firstTokenMs: [], tokensPerSecond: [] };
      into.firstTokenMs.push(...samples.firstTokenMs);
      into.tokensPerSecond.push(...samples.tokensPerSecond);
      merged.answers.set(deployment, into);
    }
  }
  return minuteView(merged).timeToFirstToken;
}

/** The starts of the SERIES_MINUTES minutes up to `now`'s, oldest first. */
export function seriesStarts(now: number): number[] {
  const current = minuteOf(now);
  return Array.from({ length: SERIES_MINUTES }, (_, index) => current - (SERIES_MINUTES - 1 - index) * MINUTE_MS);
}

export function minuteOf(time: number): number {
  return time - (time % MINUTE_MS);
}

/** The timings a finished request contributes: none without an answer from a deployment. */
export function answerSample(summary: ChatRequestSummary): AnswerSample | null {
  if (!summary.deployment || summary.timeToFirstTokenMs === null) return null;
  // The pace of a whole answer only: an interrupted one ended early, a one-token one has no pace.
  const streamingMs = summary.durationMs - summary.timeToFirstTokenMs;
  const paced = summary.outcome === 'completed' && summary.completionTokens > 1 && streamingMs > 0;
  return {
    deployment: `${summary.deployment.provider}/${summary.deployment.model}`,
    firstTokenMs: summary.timeToFirstTokenMs,
    tokensPerSecond: paced ? (summary.completionTokens * 1000) / streamingMs : null,
  };
}

export function addSample(bucket: TrafficBucket, sample: AnswerSample): void {
  let samples = bucket.answers.get(sample.deployment);
  if (!samples) bucket.answers.set(sample.deployment, (samples = { firstTokenMs: [], tokensPerSecond: [] }));
  if (samples.firstTokenMs.length < MAX_SAMPLES) samples.firstTokenMs.push(sample.firstTokenMs);
  if (sample.tokensPerSecond !== null && samples.tokensPerSecond.length < MAX_SAMPLES) samples.tokensPerSecond.push(sample.tokensPerSecond);
}

export function emptyBucket(start: number): TrafficBucket {
  return {
    start,
    requests: Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<ChatOutcome, number>,
    tokens: 0,
    fallbacks: 0,
    cache: { hits: 0, misses: 0, bytesServed: 0 },
    answers: new Map(),
  };
}

/** A minute as the dashboard reports it. */
export function minuteView(bucket: TrafficBucket): TrafficMinuteDto {
  return {
    start: new Date(bucket.start).toISOString(),
    requests: { ...bucket.requests },
    tokens: bucket.tokens,
    fallbacks: bucket.fallbacks,
    cache: { ...bucket.cache },
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
  };
}

/** Nearest-rank percentile of sorted, non-empty samples. */
function rank(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
