import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { SamplingOptionsDto } from '../../chat/dto/sampling-options.dto.js';
import {
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';

const NOT_SUPPORTED = 'is not supported: the providers behind this gateway reject it';

/** `content` is a non-empty string or a non-empty array of `{ type: 'text', text }` parts. */
function IsMessageContent(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isMessageContent',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'string' && value.length > 0) ||
          (Array.isArray(value) &&
            value.length > 0 &&
            value.every(
              (part) =>
                typeof part === 'object' &&
                part !== null &&
                (part as { type?: unknown }).type === 'text' &&
                typeof (part as { text?: unknown }).text === 'string',
            )),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'content'} must be a non-empty string or an array of { "type": "text", "text": "…" } parts (other part types are not supported)`,
      },
    });
}

export class TextContentPartDto {
  @ApiProperty({ enum: ['text'] })
  type: 'text';
  text: string;
}

export class ChatCompletionMessageDto {
  @IsIn(['system', 'user', 'assistant'])
  @ApiProperty({ enum: ['system', 'user', 'assistant'] })
  role: 'system' | 'user' | 'assistant';

  /** The text, or text parts that are joined. */
  @IsMessageContent()
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { $ref: getSchemaPath(TextContentPartDto) } }],
  })
  content: string | TextContentPartDto[];

  /** Not supported: Groq rejects `messages[].name`. */
  @IsOptional()
  @Equals(undefined, { message: `name ${NOT_SUPPORTED}` })
  @ApiPropertyOptional({ type: String, description: 'Not supported (Groq rejects it): leave it out.' })
  name?: string;
}

export class StreamOptionsDto {
  /** Send a last chunk with the token usage before `[DONE]`. */
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;
}

export class ResponseFormatDto {
  @IsIn(['text', 'json_object', 'json_schema'])
  @ApiProperty({ enum: ['text', 'json_object', 'json_schema'] })
  type: 'text' | 'json_object' | 'json_schema';

  /** With `type: json_schema`: `{ name, schema, strict? }`, passed to the provider as is. */
  @IsOptional()
  @IsObject()
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  json_schema?: Record<string, unknown>;
}

/** OpenAI's chat-completions request, limited to what the providers behind the gateway accept. */
export class ChatCompletionRequestDto extends SamplingOptionsDto {
  /**
   * A model id (every deployment of it is a candidate), `provider/id` to pin one deployment,
   * or `auto` for the rotation strategy over all models.
   * @example "gpt-oss-120b"
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  model: string;

  /** @example [{"role":"user","content":"Say hello in three words."}] */
  @IsArray()
  @ArrayMinSize(1)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ChatCompletionMessageDto)
  messages: ChatCompletionMessageDto[];

  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto;

  /** The same as `max_tokens`, which OpenAI deprecated; when both are sent, this one wins. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(131_072)
  max_completion_tokens?: number;

  @IsOptional()
  @IsInt()
  seed?: number;

  /** An id for the end user, passed to the provider. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  user?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResponseFormatDto)
  response_format?: ResponseFormatDto;

  /** Only 1 is supported. */
  @IsOptional()
  @Equals(1, { message: `n other than 1 ${NOT_SUPPORTED}` })
  n?: number;

  /** Only `false` is supported. */
  @IsOptional()
  @Equals(false, { message: `logprobs ${NOT_SUPPORTED}` })
  logprobs?: boolean;

  /** Not supported. */
  @IsOptional()
  @Equals(undefined, { message: `top_logprobs ${NOT_SUPPORTED}` })
  @ApiPropertyOptional({ type: Number, description: 'Not supported: leave it out.' })
  top_logprobs?: number;

  /** Not supported. */
  @IsOptional()
  @Equals(undefined, { message: `logit_bias ${NOT_SUPPORTED}` })
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, description: 'Not supported: leave it out.' })
  logit_bias?: Record<string, number>;
}
