import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { SamplingOptionsDto } from './sampling-options.dto.js';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;

export class ChatMessageDto {
  /** Who wrote the message. */
  @IsIn(CHAT_ROLES)
  @ApiProperty({ enum: CHAT_ROLES })
  role: 'system' | 'user' | 'assistant';

  /** The message text. */
  @IsString()
  @IsNotEmpty()
  content: string;
}

export class ChatRequestDto extends SamplingOptionsDto {
  /**
   * The conversation, oldest first.
   * @example [{"role":"user","content":"Say hello in three words."}]
   */
  @IsArray()
  @ArrayMinSize(1)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  messages: ChatMessageDto[];

  /**
   * A model id (every provider serving it is a candidate), or `provider/id` to pin one
   * deployment. Omit it to let the rotation strategy choose among all models.
   * @example "gpt-oss-120b"
   */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  model?: string;

  /**
   * `true` (default): stream the answer (SSE, or plain text with `Accept: text/plain`).
   * `false`: one JSON object when the answer is complete.
   */
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  /**
   * `true`: also send the model's reasoning, as `reasoning` events before the answer (SSE) or a
   * `reasoning` field (JSON), where the model reasons and the provider sends it. Default `false`:
   * the content only. Plain text never carries reasoning.
   */
  @IsOptional()
  @IsBoolean()
  include_reasoning?: boolean;
}
