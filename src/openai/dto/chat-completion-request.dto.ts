import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { SamplingOptionsDto } from '../../chat/dto/sampling-options.dto.js';
import { Check } from '../../common/http/check.decorator.js';
import { DropsUnknownFields } from '../../common/http/validation.pipe.js';

/** The reason given for a parameter or content no provider here serves (shared by the OpenAI routes). */
export const NOT_SUPPORTED = 'is not supported by the providers behind this gateway';

export const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

const isTextPart = (part: unknown): boolean =>
  typeof part === 'object' && part !== null && (part as { type?: unknown }).type === 'text' && typeof (part as { text?: unknown }).text === 'string';

const isTextParts = (value: unknown, allowRefusal = false): boolean =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((part) => isTextPart(part) || (allowRefusal && (part as { type?: unknown } | null)?.type === 'refusal'));

/**
 * What `content` may be for each role: text or text parts; an assistant's may also be empty or
 * null (when it called tools). Images and audio: none of the models served reads them.
 */
function validContent(content: unknown, message: Record<string, unknown>): boolean {
  switch (message.role) {
    case 'assistant':
      return content === undefined || content === null || typeof content === 'string' || isTextParts(content, true);
    case 'tool':
      return typeof content === 'string' || isTextParts(content);
    default:
      return (typeof content === 'string' && content.length > 0) || isTextParts(content);
  }
}

export class TextContentPartDto {
  @ApiProperty({ enum: ['text'] })
  type: 'text';
  text: string;
}

export class ToolCallFunctionParamDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  name: string;

  /** JSON text, as the model wrote it. */
  @IsString()
  arguments: string;
}

/** A call the model made earlier in the conversation (an assistant message's `tool_calls`). */
export class ToolCallParamDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  id: string;

  @IsIn(['function'], { message: 'tool_calls[].type must be "function" (custom tools are not supported)' })
  @ApiProperty({ enum: ['function'] })
  type: 'function';

  @IsObject()
  @ValidateNested()
  @Type(() => ToolCallFunctionParamDto)
  function: ToolCallFunctionParamDto;
}

export class ChatCompletionMessageDto {
  /** `developer` is sent to the providers as `system` (the same instruction for the models served); `tool` answers a tool call. */
  @IsIn(MESSAGE_ROLES, { message: `role must be one of ${MESSAGE_ROLES.join(', ')} (the legacy "function" role: use tools and "tool" messages)` })
  @ApiProperty({ enum: MESSAGE_ROLES })
  role: MessageRole;

  /**
   * The text, or text parts (joined). An assistant message that called tools may have `null` or `""`.
   * Image and audio parts are refused: none of the models served reads them.
   */
  @Check('messageContent', validContent, 'content must be a non-empty string or an array of { "type": "text", "text": "…" } parts (an assistant message may have null or ""); image, audio and file parts are not supported: none of the models served reads them')
  @ApiProperty({
    // OpenAPI 3.0 puts `nullable` beside a `type`: the string branch carries it.
    oneOf: [{ type: 'string', nullable: true }, { type: 'array', items: { $ref: getSchemaPath(TextContentPartDto) } }],
  })
  content: string | TextContentPartDto[] | null;

  /** Accepted and left out (Groq refuses it); named in `x-gateway-dropped-params`. Documented only: validation strips it. */
  @ApiPropertyOptional({ type: String })
  name?: string;

  /** Assistant messages: the tool calls the model made. */
  @ValidateIf((message: ChatCompletionMessageDto) => message.tool_calls !== undefined && message.tool_calls !== null)
  @Check('toolCallsOnAssistant', (_, message) => message.role === 'assistant', 'tool_calls is only allowed on assistant messages')
  @IsArray()
  @ArrayMaxSize(128)
  @ValidateNested({ each: true })
  @Type(() => ToolCallParamDto)
  tool_calls?: ToolCallParamDto[];

  /** Tool messages: the `id` of the call this answers. */
  @ValidateIf((message: ChatCompletionMessageDto) => message.role === 'tool' || message.tool_call_id !== undefined)
  @Check('toolCallIdOnTool', (_, message) => message.role === 'tool', 'tool_call_id is only allowed on tool messages')
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  tool_call_id?: string;

  /** Assistant messages: accepted and left out (documented only: validation strips it, the response names it). */
  @ApiPropertyOptional({ type: String, nullable: true })
  refusal?: string | null;

  /** The legacy form of `tool_calls`: refused. */
  @IsOptional()
  @Equals(undefined, { message: 'function_call (deprecated) is not supported: send tool_calls' })
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Not supported (deprecated): send `tool_calls`.' })
  function_call?: unknown;

  /** Refused: no audio. */
  @IsOptional()
  @Equals(undefined, { message: `audio ${NOT_SUPPORTED}` })
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Not supported.' })
  audio?: unknown;
}

export class FunctionDefinitionDto {
  /** Letters, digits, `_` and `-`, at most 64 (OpenAI's rule). */
  @IsString()
  @Matches(/^[a-zA-Z0-9_-]{1,64}$/, { message: 'function.name must be 1 to 64 letters, digits, _ or -' })
  name: string;

  @IsOptional()
  @IsString()
  description?: string;

  /** A JSON Schema object for the arguments, passed to the provider as is. */
  @IsOptional()
  @IsObject()
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  parameters?: Record<string, unknown>;

  /** Ask the provider to keep the arguments to the schema exactly. */
  @IsOptional()
  @IsBoolean()
  strict?: boolean | null;
}

/** A function the model may call. */
export class ToolDto {
  @IsIn(['function'], { message: 'tools[].type must be "function" (custom tools are not supported)' })
  @ApiProperty({ enum: ['function'] })
  type: 'function';

  @IsObject()
  @ValidateNested()
  @Type(() => FunctionDefinitionDto)
  function: FunctionDefinitionDto;
}

const isNamedChoice = (value: unknown): value is { type: 'function'; function: { name: string } } =>
  typeof value === 'object' &&
  value !== null &&
  (value as { type?: unknown }).type === 'function' &&
  typeof (value as { function?: { name?: unknown } }).function?.name === 'string';

/** `none`, `auto`, `required`, or a function of `tools` by name. */
function validToolChoice(value: unknown, request: Record<string, unknown>): boolean {
  if (value === 'none' || value === 'auto') return true;
  const tools = Array.isArray(request.tools) ? (request.tools as Array<{ function?: { name?: unknown } }>) : [];
  if (value === 'required') return tools.length > 0;
  return isNamedChoice(value) && tools.some((tool) => tool?.function?.name === value.function.name);
}

export class StreamOptionsDto {
  /** Send a last chunk with the token usage before `[DONE]`. */
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;

  /** Accepted and ignored (the gateway adds no obfuscation padding). */
  @IsOptional()
  @IsBoolean()
  include_obfuscation?: boolean;
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

/** OpenAI's `reasoning_effort` values; `minimal` is sent as `low`, `xhigh` as `high` (the providers' range). */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;


/**
 * OpenAI's chat-completions request. Every parameter of OpenAI's API has a documented fate
 * (docs/api.md): passed on, mapped, accepted and left out, or refused with a 400 that says why.
 * A field OpenAI does not define is left out and named in `x-gateway-dropped-params`, so a client
 * written for another provider's extension still gets an answer, and a typo is visible.
 */
@DropsUnknownFields()
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

  /** An id for the end user, passed to the provider (`safety_identifier` stands in when it is absent). */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  user?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResponseFormatDto)
  response_format?: ResponseFormatDto;

  /** Functions the model may call; an empty list is the same as none. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(128)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ToolDto)
  tools?: ToolDto[];

  /** `none`, `auto`, `required` (needs `tools`), or `{ "type": "function", "function": { "name": … } }` naming one of `tools`. */
  @IsOptional()
  @Check('toolChoice', validToolChoice, 'tool_choice must be "none", "auto", "required" (with tools) or { "type": "function", "function": { "name": … } } naming one of tools')
  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', enum: ['none', 'auto', 'required'] },
      { type: 'object', properties: { type: { type: 'string', enum: ['function'] }, function: { type: 'object', properties: { name: { type: 'string' } } } } },
    ],
  })
  tool_choice?: 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

  /** Let the model call several tools in one turn. */
  @IsOptional()
  @IsBoolean()
  parallel_tool_calls?: boolean;

  /** How hard a reasoning model thinks. `minimal` is sent as `low` and `xhigh` as `high`. */
  @IsOptional()
  @IsIn(REASONING_EFFORTS)
  @ApiPropertyOptional({ enum: REASONING_EFFORTS })
  reasoning_effort?: (typeof REASONING_EFFORTS)[number];

  /**
   * Groq's switch, mapped for every provider: `true` sends the model's reasoning in
   * `reasoning` fields, `false` leaves it out. Absent: the provider's default.
   */
  @IsOptional()
  @IsBoolean()
  include_reasoning?: boolean;

  /** Groq's and Cerebras's `reasoning_format`, mapped for every provider: `parsed`, `hidden` or `raw` (inside the content). */
  @IsOptional()
  @Check('reasoningFormatAlone', (_, request) => request.include_reasoning === undefined || request.include_reasoning === null, 'reasoning_format and include_reasoning cannot be used together')
  @IsIn(['parsed', 'text_parsed', 'hidden', 'raw'])
  @ApiPropertyOptional({ enum: ['parsed', 'text_parsed', 'hidden', 'raw'] })
  reasoning_format?: 'parsed' | 'text_parsed' | 'hidden' | 'raw';

  /** Passed to Cerebras; left out for Groq, whose models do not support it. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-2)
  @Max(2)
  frequency_penalty?: number;

  /** Passed to Cerebras; left out for Groq, whose models do not support it. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-2)
  @Max(2)
  presence_penalty?: number;

  /** Passed to Cerebras (its prompt cache); left out for Groq. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  prompt_cache_key?: string;

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

  /** Not supported (Groq refuses it, so one request could not be served by every deployment). */
  @IsOptional()
  @Equals(undefined, { message: `logit_bias ${NOT_SUPPORTED}` })
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, description: 'Not supported: leave it out.' })
  logit_bias?: Record<string, number>;

  /** Not supported: the models served answer in text only. */
  @IsOptional()
  @Equals(undefined, { message: `audio ${NOT_SUPPORTED}: the models served answer in text only` })
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Not supported: leave it out.' })
  audio?: unknown;

  /** Not supported: no web search behind this gateway. */
  @IsOptional()
  @Equals(undefined, { message: `web_search_options ${NOT_SUPPORTED}` })
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Not supported: leave it out.' })
  web_search_options?: unknown;

  /** Deprecated by OpenAI: send `tools`. */
  @IsOptional()
  @Equals(undefined, { message: 'functions (deprecated) is not supported: send tools' })
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'Not supported (deprecated): send `tools`.' })
  functions?: unknown;

  /** Deprecated by OpenAI: send `tool_choice`. */
  @IsOptional()
  @Equals(undefined, { message: 'function_call (deprecated) is not supported: send tool_choice' })
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Not supported (deprecated): send `tool_choice`.' })
  function_call?: unknown;

  /** Only `["text"]`: the models served answer in text only. */
  @IsOptional()
  @Check('textModalityOnly', (value) => Array.isArray(value) && value.every((modality) => modality === 'text'), `modalities other than "text" ${NOT_SUPPORTED}`)
  @ApiPropertyOptional({ type: [String], enum: ['text'] })
  modalities?: string[];

  // Accepted and left out: documented here, with no validation rule, so validation strips them like
  // any field it does not know and the response names them in x-gateway-dropped-params.

  /** Accepted and left out (the gateway keeps nothing). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'Accepted and left out.' })
  metadata?: Record<string, string>;

  /** Accepted and left out: the gateway is stateless, nothing is stored. */
  @ApiPropertyOptional({ type: Boolean, description: 'Accepted and left out: nothing is stored.' })
  store?: boolean;

  /** Accepted and left out: each provider serves at its own tier. */
  @ApiPropertyOptional({ type: String, description: 'Accepted and left out.' })
  service_tier?: string;

  /** Accepted and left out. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Accepted and left out.' })
  prediction?: unknown;

  /** Accepted and left out. */
  @ApiPropertyOptional({ type: String, description: 'Accepted and left out.' })
  prompt_cache_retention?: string;

  /** Accepted and left out. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Accepted and left out.' })
  prompt_cache_options?: unknown;

  /** Accepted and left out (a GPT-5 control). */
  @ApiPropertyOptional({ type: String, description: 'Accepted and left out.' })
  verbosity?: string;

  /** Accepted and left out. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Accepted and left out.' })
  moderation?: unknown;

  /** Sent as `user` when `user` is absent. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  safety_identifier?: string;
}
