import { ApiProperty } from '@nestjs/swagger';
import { ModelLimitsSchema } from '../../config/model-limits.dto.js';
import type { CircuitState } from '../../usage/circuit-breaker.js';

export class ProviderRateLimitWindowDto {
  @ApiProperty({ enum: ['requests', 'tokens'] })
  resource: 'requests' | 'tokens';
  @ApiProperty({ enum: ['minute', 'hour', 'day'] })
  window: 'minute' | 'hour' | 'day';
  limit?: number;
  remaining?: number;
  /** When the provider said this window resets (ISO 8601). */
  resetAt?: string;
}

export class ProviderRateLimitDto {
  /** When these headers were received (ISO 8601). */
  observedAt: string;
  windows: ProviderRateLimitWindowDto[];
}

export class CircuitViewDto {
  /**
   * `closed`: serving, its recent failures counted; `open`: skipped after too many failures;
   * `half_open`: the cooldown is over and the next request goes through as a single probe.
   */
  @ApiProperty({ enum: ['closed', 'open', 'half_open'] })
  state: CircuitState;
  /** While open: when the next probe request may go (ISO 8601); else null. */
  @ApiProperty({ type: String, nullable: true })
  openUntil: string | null;
  /** Failed attempts among `recentAttempts` (server errors, timeouts, connection and protocol errors). */
  recentFailures: number;
  /** Attempts in the breaker's window that say something about the model's health (429s and cancellations do not). */
  recentAttempts: number;
}

export class ModelCapabilitiesDto {
  /** Function calling (`tools`). */
  tools: boolean;
  /** `response_format: { type: "json_schema" }`. */
  jsonSchema: boolean;
}

/** A deployment's recent pace, averaged over its completed answers (what ROTATION_STRATEGY=latency ranks by). */
export class LatencyEstimateDto {
  /** From its attempt's start to the first token, exponentially weighted (half-life LATENCY_HALF_LIFE_ANSWERS answers). */
  timeToFirstTokenMs: number;
  /** Output tokens per second after the first token, weighted the same way, from answers of 20 tokens or more; null until one. */
  @ApiProperty({ type: Number, nullable: true })
  tokensPerSecond: number | null;
  /** Completed answers seen. */
  answers: number;
  /** The time a 200-token answer would take at this pace: the latency strategy's rank, lowest first. */
  expectedAnswerMs: number;
}

export class ModelViewDto {
  /** The provider's model id. */
  id: string;
  /** The public model id this deployment serves; several deployments may share it. */
  model: string;
  provider: string;
  /** `provider/id`: pins this deployment in a chat request. */
  key: string;
  name: string;
  /** Enabled in the catalog. */
  enabled: boolean;
  /** Can take a request now (provider key set, circuit not open, not cooling down, not marked unavailable). */
  available: boolean;
  /** Why it is not available. */
  reason?: string;
  priority: number;
  /** What it can do beyond text; a request that needs what it lacks skips it. */
  capabilities: ModelCapabilitiesDto;
  /**
   * Prompt plus completion tokens it takes (the catalog's figure, else what its provider's model
   * list reports); a request that cannot fit skips it. null: unknown.
   */
  @ApiProperty({ type: Number, nullable: true, example: 131072 })
  contextWindow: number | null;
  /** Its recent pace (with REDIS_URL and the latency strategy, every replica's); null before its first completed answer. */
  @ApiProperty({ type: LatencyEstimateDto, nullable: true })
  latency: LatencyEstimateDto | null;
  configuredLimits: ModelLimitsSchema;
  /**
   * The limits the provider last reported in its response headers (with REDIS_URL: the most recently
   * observed report of any replica); null until a response was seen.
   */
  @ApiProperty({ type: ProviderRateLimitDto, nullable: true })
  rateLimit: ProviderRateLimitDto | null;
  /**
   * Until when the model is skipped after an upstream 429 (ISO 8601), or null. With REDIS_URL: as
   * learned by any replica, including a window the provider reported used up.
   */
  @ApiProperty({ type: String, nullable: true })
  cooldownUntil: string | null;
  /** The circuit breaker over the model's recent upstream failures (kept by each replica). */
  circuit: CircuitViewDto;
}

export class ModelGroupDto {
  /** The public model id clients ask for. */
  model: string;
  /** Its deployments (`provider/id`), each with its own limits and cooldown. */
  deployments: string[];
  /** At least one deployment can take a request now. */
  available: boolean;
  /**
   * The deployment (`provider/id`) the next request for this model goes to first, as the rotation
   * strategy, the limits, cooldowns and circuits stand now; null when none has room, or under the
   * `random` strategy (any deployment with room, drawn per request).
   */
  @ApiProperty({ type: String, nullable: true, example: 'groq/openai/gpt-oss-120b' })
  nextPick: string | null;
}

/** A model a provider lists that no catalog entry of that provider uses: one there to add. */
export class DiscoveredModelDto {
  provider: string;
  /** The provider's model id (add it to the catalog as `id`, with `provider`). */
  id: string;
  /** As the provider reports it; null when it does not. */
  @ApiProperty({ type: Number, nullable: true })
  contextWindow: number | null;
}

/** One provider's model listing (MODEL_DISCOVERY_INTERVAL_MS). */
export class ProviderListingDto {
  provider: string;
  /** The last successful listing (ISO 8601); null before the first. */
  @ApiProperty({ type: String, nullable: true })
  listedAt: string | null;
  /** How many models it listed. */
  @ApiProperty({ type: Number, nullable: true })
  models: number | null;
  /** Why the latest listing failed (the last good one stands meanwhile); null when it succeeded. */
  @ApiProperty({ type: String, nullable: true })
  error: string | null;
}

export class DiscoveryStatusDto {
  /** How often each provider's models are listed, in ms; 0: discovery is off. */
  intervalMs: number;
  /** Whether listed models the catalog does not use are served (with default limits). */
  autoEnable: boolean;
  providers: ProviderListingDto[];
}

export class ModelsResponseDto {
  /** The rotation strategy in force. */
  strategy: string;
  autoFallback: boolean;
  /** Every deployment: one model as served by one provider. */
  models: ModelViewDto[];
  /** Public model ids and the deployments that serve them. */
  groups: ModelGroupDto[];
  /**
   * Models the providers list that the catalog does not use (with DISCOVERY_AUTO_ENABLE they are
   * served and appear under `models` instead). Empty with discovery off.
   */
  discovered: DiscoveredModelDto[];
  discovery: DiscoveryStatusDto;
}

export class ModelSummaryDto {
  id: string;
  provider: string;
  name: string;
}

export class GatewayStatusDto {
  /** `ok` when at least one model can serve, else `degraded`. */
  @ApiProperty({ enum: ['ok', 'degraded'] })
  status: 'ok' | 'degraded';
  message: string;
  /** The models that can serve now. */
  models: ModelSummaryDto[];
}
