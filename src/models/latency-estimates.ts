import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import type { Deployment } from '../config/model-catalog.js';
import type { LatencyBoard } from '../redis/latency-board.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { ChatTelemetry, type ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { ModelCatalogService } from './model-catalog.service.js';

/** A deployment's recent pace: exponentially weighted over its completed answers. */
export interface LatencyEstimate {
  /** From the answering attempt's start to its first token. */
  timeToFirstTokenMs: number;
  /** Output tokens per second after the first token; null until an answer of at least MIN_PACE_TOKENS tokens. */
  tokensPerSecond: number | null;
  /** Completed answers the estimate has seen. */
  answers: number;
}

/** An answer shorter than this says little of a pace (its few tokens may arrive in one read): no pace sample. */
export const MIN_PACE_TOKENS = 20;

/** How often a replica reads the estimates every replica shares (REDIS_URL). */
const SHARED_REFRESH_MS = 1_000;

/** The weight of a new sample for a half-life of `answers` answers: after that many, an old value counts half. */
export function ewmaWeight(halfLifeAnswers: number): number {
  return 1 - 2 ** (-1 / halfLifeAnswers);
}

/** One completed answer's timings, or null for a request that gives none (failed, cancelled, cut off). */
export function answerPace(summary: ChatRequestSummary): { firstTokenMs: number; tokensPerSecond: number | null } | null {
  if (summary.outcome !== 'completed' || !summary.deployment || summary.answerFirstTokenMs === null || summary.timeToFirstTokenMs === null) return null;
  const streamingMs = summary.durationMs - summary.timeToFirstTokenMs;
  const tokensPerSecond = summary.completionTokens >= MIN_PACE_TOKENS && streamingMs > 0 ? (summary.completionTokens * 1000) / streamingMs : null;
  return { firstTokenMs: Math.max(0, summary.answerFirstTokenMs), tokensPerSecond };
}

/**
 * Each deployment's time to first token and tokens per second, as exponentially weighted averages
 * over its completed answers (half-life LATENCY_HALF_LIFE_ANSWERS), learned from the chat
 * telemetry. With REDIS_URL and ROTATION_STRATEGY=latency every replica adds its answers to
 * shared estimates and reads them back every second; this replica's own stand in meanwhile.
 */
@Injectable()
export class LatencyEstimates implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('LatencyEstimates');
  private readonly weight: number;
  private readonly own = new Map<string, LatencyEstimate>();
  private shared = new Map<string, LatencyEstimate>();
  private readonly board: LatencyBoard | null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly telemetry: ChatTelemetry,
    private readonly catalog: ModelCatalogService,
    private readonly connection: RedisConnection,
    config: ConfigService<Environment, true>,
  ) {
    this.weight = ewmaWeight(config.get('LATENCY_HALF_LIFE_ANSWERS', { infer: true }));
    this.board = config.get('ROTATION_STRATEGY', { infer: true }) === 'latency' ? connection.latencyBoard() : null;
  }

  onModuleInit(): void {
    this.telemetry.subscribe({ requestFinished: (summary) => this.record(summary) });
    if (!this.board) return;
    this.timer = setInterval(() => void this.refresh(), SHARED_REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The deployment's estimate (every replica's with REDIS_URL), null before its first completed answer. */
  estimate(deployment: Deployment): LatencyEstimate | null {
    return this.shared.get(deployment.key) ?? this.own.get(deployment.key) ?? null;
  }

  private record(summary: ChatRequestSummary): void {
    const pace = answerPace(summary);
    if (!pace) return;
    const key = `${summary.deployment!.provider}/${summary.deployment!.model}`;
    this.own.set(key, blend(this.own.get(key), pace, this.weight));
    if (this.board) void this.connection.attempt(() => this.board!.record(key, pace.firstTokenMs, pace.tokensPerSecond, this.weight));
  }

  private async refresh(): Promise<void> {
    const keys = this.catalog.deployments.map((deployment) => deployment.key);
    const read = await this.connection.attempt(() => this.board!.read(keys));
    // Unreachable: the last shared figures stand, this replica's own fill in for deployments without.
    if (read) this.shared = read;
    else this.logger.debug('Latency estimates: Redis unreachable, keeping the last shared figures');
  }
}

/** The estimate with one more answer folded in. */
export function blend(previous: LatencyEstimate | undefined, pace: { firstTokenMs: number; tokensPerSecond: number | null }, weight: number): LatencyEstimate {
  if (!previous) return { timeToFirstTokenMs: pace.firstTokenMs, tokensPerSecond: pace.tokensPerSecond, answers: 1 };
  const tokensPerSecond =
    pace.tokensPerSecond === null ? previous.tokensPerSecond : previous.tokensPerSecond === null ? pace.tokensPerSecond : previous.tokensPerSecond + weight * (pace.tokensPerSecond - previous.tokensPerSecond);
  return {
    timeToFirstTokenMs: previous.timeToFirstTokenMs + weight * (pace.firstTokenMs - previous.timeToFirstTokenMs),
    tokensPerSecond,
    answers: previous.answers + 1,
  };
}
