import { ApiSchema } from '@nestjs/swagger';
import { IsInt, IsOptional, Min } from 'class-validator';

/**
 * A deployment's configured limits, declared once: the rules a MODELS_FILE entry is checked
 * against at start-up, the schema GET /models and GET /usage document (under its published
 * name), and, as `ModelLimits`, the type the catalog and the limiters use.
 */
@ApiSchema({ name: 'ConfiguredLimitsDto' })
export class ModelLimitsSchema {
  /** Requests per UTC minute. */
  @IsInt()
  @Min(1)
  requestsPerMinute: number;

  /** Requests per UTC hour; unset: no hourly limit. */
  @IsOptional()
  @IsInt()
  @Min(1)
  requestsPerHour?: number;

  /** Requests per UTC day. */
  @IsInt()
  @Min(1)
  requestsPerDay: number;

  /** Prompt plus completion tokens per UTC minute. */
  @IsInt()
  @Min(1)
  tokensPerMinute: number;

  /** Tokens per UTC hour; unset: no hourly limit. */
  @IsOptional()
  @IsInt()
  @Min(1)
  tokensPerHour?: number;

  /** Tokens per UTC day. */
  @IsInt()
  @Min(1)
  tokensPerDay: number;
}

/** The limits as plain data (what the catalog holds and the limiters read). */
export type ModelLimits = Pick<ModelLimitsSchema, keyof ModelLimitsSchema>;
