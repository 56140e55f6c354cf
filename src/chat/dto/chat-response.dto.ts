import { ApiProperty } from '@nestjs/swagger';

export class TokenUsageDto {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export class AttemptDto {
  /** The provider's model id that was tried. */
  model: string;
  provider: string;
  /** Why it failed: rate_limited, server_error, timeout, connection, overloaded, ... */
  error: string;
}

export class ChatCompletionResponseDto {
  requestId: string;
  /** The provider's model id that answered. */
  model: string;
  provider: string;
  content: string;
  /** The model's reasoning: only with `include_reasoning: true`, when the provider sent it. */
  reasoning?: string;
  /** Why the model stopped: stop, length, ... */
  finishReason: string;
  usage: TokenUsageDto;
  /** Deployments that failed before this one answered. */
  attempts: AttemptDto[];
  /**
   * `hit`: answered from the response cache (no upstream call; `model`, `provider` and `usage` are
   * the stored answer's); `miss`: cacheable, stored once complete. Absent when the request is not
   * cached (CACHE=off, or neither `x-gateway-cache: use` nor `temperature: 0`).
   */
  @ApiProperty({ enum: ['hit', 'miss'], required: false })
  cache?: 'hit' | 'miss';
}

/** `event: meta`, the first event of a stream. */
export class ChatMetaEventDto {
  requestId: string;
  model: string;
  provider: string;
  attempts: AttemptDto[];
  /**
   * `hit`: answered from the response cache (no upstream call; `model`, `provider` and `usage` are
   * the stored answer's); `miss`: cacheable, stored once complete. Absent when the request is not
   * cached (CACHE=off, or neither `x-gateway-cache: use` nor `temperature: 0`).
   */
  @ApiProperty({ enum: ['hit', 'miss'], required: false })
  cache?: 'hit' | 'miss';
}

/** `event: delta`, one per piece of content. */
export class ChatDeltaEventDto {
  content: string;
}

/** `event: reasoning` (only with `include_reasoning: true`), one per piece of the model's reasoning, before the content. */
export class ChatReasoningEventDto {
  text: string;
}

/** `event: done`, the last event of a complete answer. */
export class ChatDoneEventDto {
  finishReason: string;
  usage: TokenUsageDto;
}

/** `event: error`, a failure after the stream began; no `done` follows. */
export class ChatErrorEventDto {
  code: string;
  message: string;
}
