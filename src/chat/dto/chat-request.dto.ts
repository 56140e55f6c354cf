import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
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

export class ChatRequestDto {
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

  /** Sampling temperature; the model's default when omitted. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number;

  /** Cap on completion tokens; the model's default when omitted. Reserved against the token limits. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(131_072)
  max_tokens?: number;

  /** Nucleus sampling; the model's default when omitted. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  top_p?: number;

  /** A stop sequence or up to 4 of them. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(4)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @ApiProperty({
    // `type` keeps the built app's schema equal to the one tests see (the plugin sets it otherwise).
    type: Array,
    required: false,
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 4 }],
  })
  stop?: string[];

  /**
   * `true` (default): stream the answer (SSE, or plain text with `Accept: text/plain`).
   * `false`: one JSON object when the answer is complete.
   */
  @IsOptional()
  @IsBoolean()
  stream?: boolean;
}
