import { ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorBodyDto {
  /** Machine-readable: validation_failed, invalid_json, model_not_found, rate_limited, upstream_error, upstream_timeout, no_models_available, ... */
  code: string;
  /** What went wrong, for a person. */
  message: string;
  /** Field errors (validation_failed) or the attempts made (upstream errors). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}

export class ErrorResponseDto {
  error: ErrorBodyDto;
}
