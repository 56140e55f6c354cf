import { ApiProperty } from '@nestjs/swagger';
import { ModelsResponseDto } from '../../models/dto/model-view.dto.js';
import { UsageReportDto } from '../../usage/dto/usage-report.dto.js';

export class FailedAttemptDto {
  /** `provider/model`. */
  deployment: string;
  /** Why it failed: `rate_limited`, `timeout`, `server_error`, `connection`, … */
  reason: string;
}

/** One finished chat request. Never message content, never a key. */
export class RecentRequestDto {
  /** ISO 8601. */
  finishedAt: string;
  requestId: string;
  /** `chat` (POST /chat), `openai` (POST /v1/chat/completions) or `responses` (POST /v1/responses). */
  route: string;
  /** The access key's name; null on an open gateway. */
  client: string | null;
  /** The model asked for; null when the rotation chose. */
  requestedModel: string | null;
  /** `provider/model` that answered; null when none did. */
  deployment: string | null;
  /** The upstream calls that failed before the answer (or the error), in order. */
  failedAttempts: FailedAttemptDto[];
  timeToFirstTokenMs: number | null;
  durationMs: number;
  promptTokens: number;
  completionTokens: number;
  /** completed, rejected, failed, interrupted or cancelled. */
  outcome: string;
  /** The error code the client saw, if any. */
  errorCode: string | null;
  /** `hit`: answered from the response cache (`deployment` null); `miss`: looked up and stored; null: not cacheable. */
  @ApiProperty({ enum: ['hit', 'miss'], nullable: true })
  cache: 'hit' | 'miss' | null;
}

export class RequestOutcomesDto {
  completed: number;
  rejected: number;
  failed: number;
  interrupted: number;
  cancelled: number;
}

export class FirstTokenLatencyDto {
  /** `provider/model`. */
  deployment: string;
  /** The answers the figures are over. */
  count: number;
  p50Ms: number;
  p95Ms: number;
  /** Median output tokens per second after the first token, over the completed answers of more than one token; null when none. */
  tokensPerSecondP50: number | null;
}

/** The response cache in one minute (CACHE=memory|redis): cacheable requests by result, and the bytes replayed. */
export class CacheMinuteDto {
  hits: number;
  misses: number;
  bytesServed: number;
}

/** One minute of chat traffic. */
export class TrafficMinuteDto {
  /** Start of the minute (ISO 8601). */
  start: string;
  requests: RequestOutcomesDto;
  /** Prompt plus completion tokens of the requests that finished in this minute. */
  tokens: number;
  /** Times a request moved on from one deployment to the next. */
  fallbacks: number;
  cache: CacheMinuteDto;
  timeToFirstToken: FirstTokenLatencyDto[];
}

/** Everything the dashboard shows, in one document. */
export class DashboardDataDto {
  /** ISO 8601. */
  generatedAt: string;
  /** True when GATEWAY_API_KEYS is unset: every route, this one included, is open to anyone who can reach the gateway. */
  openGateway: boolean;
  /** GET /models: each deployment's state, limits, the provider's last report, cooldown and circuit. */
  models: ModelsResponseDto;
  /** GET /usage: windows against limits per deployment, and per access key. */
  usage: UsageReportDto;
  /**
   * Whose requests and traffic follow: `shared`, every replica's (REDIS_URL); `replica`, this
   * replica's own (no REDIS_URL, or Redis unreachable just now).
   */
  @ApiProperty({ enum: ['replica', 'shared'] })
  activityScope: 'replica' | 'shared';
  /** The response cache in force (CACHE). */
  @ApiProperty({ enum: ['off', 'memory', 'redis'] })
  cacheMode: 'off' | 'memory' | 'redis';
  /** The last 100 finished chat requests, newest first. */
  recentRequests: RecentRequestDto[];
  /** Chat traffic per minute over the last 15 minutes, oldest first, the current minute last. */
  traffic: TrafficMinuteDto[];
  /**
   * Per deployment, over every answer of the last 5 minutes (not an average of minutes): time to
   * first token p50 / p95 and the median output tokens per second after it.
   */
  recentAnswers: FirstTokenLatencyDto[];
}
