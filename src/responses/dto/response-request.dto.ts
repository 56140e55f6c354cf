import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
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
import { NOT_SUPPORTED, REASONING_EFFORTS } from '../../openai/dto/chat-completion-request.dto.js';

const STATELESS = 'this gateway keeps no responses (store: false): send the whole conversation in `input`';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An item's or a tool's `type`, for messages that name it. */
const typeOf = (value: unknown): string => (isObject(value) && typeof value.type === 'string' ? value.type : String(value));

/** A function the model may call (the Responses API's flat shape: `name` beside `type`). */
export class FunctionToolDto {
  /** Only `function`: built-in tools (web search, file search, computer use, code interpreter, MCP, ...) run at OpenAI, not here. */
  @IsIn(['function'], { message: ({ value }: { value: unknown }) => `tools[].type "${String(value)}" ${NOT_SUPPORTED}: only function tools are (built-in tools run at OpenAI)` })
  @ApiProperty({ enum: ['function'] })
  type: 'function';

  /** Letters, digits, `_` and `-`, at most 64 (OpenAI's rule). */
  @ValidateIf((tool: FunctionToolDto) => tool.type === 'function')
  @IsString()
  @Matches(/^[a-zA-Z0-9_-]{1,64}$/, { message: 'tools[].name must be 1 to 64 letters, digits, _ or -' })
  name: string;

  @IsOptional()
  @IsString()
  description?: string | null;

  /** A JSON Schema object for the arguments, passed to the provider as is. */
  @IsOptional()
  @IsObject()
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  parameters?: Record<string, unknown> | null;

  /** Ask the provider to keep the arguments to the schema exactly. */
  @IsOptional()
  @IsBoolean()
  strict?: boolean | null;
}

const TOOL_CHOICE_MODES = ['none', 'auto', 'required'] as const;

/** The names a `tool_choice` may refer to: the request's function tools. */
function toolNames(request: Record<string, unknown>): Set<string> {
  const tools = Array.isArray(request.tools) ? (request.tools as unknown[]) : [];
  return new Set(tools.filter(isObject).map((tool) => tool.name).filter((name): name is string => typeof name === 'string'));
}

/** `none`, `auto`, `required` (with tools), `{ type: function, name }` naming a tool, or `allowed_tools` listing some. */
function validToolChoice(value: unknown, request: Record<string, unknown>): boolean {
  const names = toolNames(request);
  if (value === 'none' || value === 'auto') return true;
  if (value === 'required') return names.size > 0;
  if (!isObject(value)) return false;
  if (value.type === 'function') return typeof value.name === 'string' && names.has(value.name);
  if (value.type !== 'allowed_tools') return false;
  return (
    (value.mode === 'auto' || value.mode === 'required') &&
    Array.isArray(value.tools) &&
    value.tools.length > 0 &&
    value.tools.every((tool) => isObject(tool) && tool.type === 'function' && typeof tool.name === 'string' && names.has(tool.name))
  );
}

function toolChoiceMessage(value: unknown): string {
  const type = typeOf(value);
  if (isObject(value) && !['function', 'allowed_tools'].includes(type)) return `tool_choice type "${type}" ${NOT_SUPPORTED}: only function tools are`;
  return 'tool_choice must be "none", "auto", "required" (with tools), { "type": "function", "name": … } naming one of tools, or { "type": "allowed_tools", "mode": "auto" | "required", "tools": [{ "type": "function", "name": … }] }';
}

/** The shape of the answer's text. */
export class TextFormatDto {
  @IsIn(['text', 'json_object', 'json_schema'], { message: 'text.format.type must be one of text, json_object, json_schema' })
  @ApiProperty({ enum: ['text', 'json_object', 'json_schema'] })
  type: 'text' | 'json_object' | 'json_schema';

  /** With `json_schema`: the schema's name (letters, digits, `_` and `-`). */
  @ValidateIf((format: TextFormatDto) => format.type === 'json_schema')
  @IsString()
  @Matches(/^[a-zA-Z0-9_-]{1,64}$/, { message: 'text.format.name must be 1 to 64 letters, digits, _ or -' })
  name?: string;

  /** With `json_schema`: the JSON Schema the answer follows, passed to the provider as is. */
  @ValidateIf((format: TextFormatDto) => format.type === 'json_schema')
  @IsObject()
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  schema?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsBoolean()
  strict?: boolean | null;
}

export class TextConfigDto {
  /** `text` (default), `json_object`, or `json_schema` with `name` and `schema` (sent as chat completions' `response_format`). */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TextFormatDto)
  format?: TextFormatDto;

  /** Accepted and left out (a GPT-5 control). Documented only: validation strips it. */
  @ApiPropertyOptional({ type: String, description: 'Accepted and left out.' })
  verbosity?: string;
}

const SUMMARIES = ['auto', 'concise', 'detailed'] as const;

export class ReasoningConfigDto {
  /** How hard a reasoning model thinks. `minimal` is sent as `low` and `xhigh` as `high`. */
  @IsOptional()
  @IsIn(REASONING_EFFORTS)
  @ApiPropertyOptional({ enum: REASONING_EFFORTS, nullable: true })
  effort?: (typeof REASONING_EFFORTS)[number] | null;

  /**
   * Any value asks for the reasoning as a summary too: the gateway has no summariser, so the
   * model's whole reasoning is also sent as the reasoning item's `summary`
   * (`response.reasoning_summary_text.delta` when streamed), which is where the Vercel AI SDK and
   * the Agents SDK read it.
   */
  @IsOptional()
  @IsIn(SUMMARIES)
  @ApiPropertyOptional({ enum: SUMMARIES, nullable: true })
  summary?: (typeof SUMMARIES)[number] | null;

  /** Deprecated by OpenAI: the same as `summary`. */
  @IsOptional()
  @IsIn(SUMMARIES)
  @ApiPropertyOptional({ enum: SUMMARIES, nullable: true })
  generate_summary?: (typeof SUMMARIES)[number] | null;
}

/** A non-empty string, or a non-empty array of objects (the items are checked when the request is read). */
const validInput = (value: unknown): boolean => (typeof value === 'string' && value.length > 0) || (Array.isArray(value) && value.length > 0 && value.every(isObject));

/**
 * OpenAI's Responses request, served statelessly over the chat path. Every parameter the `openai`
 * package types has a documented fate (docs/api.md): mapped, accepted and left out, or refused
 * with a 400 that says why. A field it does not define is left out and named in
 * `x-gateway-dropped-params`.
 */
@DropsUnknownFields()
export class ResponseCreateRequestDto extends PickType(SamplingOptionsDto, ['temperature', 'top_p'] as const) {
  /**
   * A model id (every deployment of it is a candidate), `provider/id` to pin one deployment,
   * or `auto` for the rotation strategy over all models.
   * @example "gpt-oss-120b"
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  model: string;

  /**
   * A string (one user message), or items: messages (`role` user, system, developer or assistant;
   * `content` a string or `input_text` / `output_text` parts), `function_call` and
   * `function_call_output` items, and `item_reference`s to message and function_call items this
   * gateway sent the same access key in the last hour. `reasoning` items (and references to them)
   * are accepted and ignored. Images, files, audio and the items of built-in tools are refused.
   * @example "Say hello in three words."
   */
  @Check('responseInput', validInput, 'input must be a non-empty string or a non-empty array of items')
  @ApiProperty({
    oneOf: [
      { type: 'string' },
      { type: 'array', items: { type: 'object', additionalProperties: true, description: 'A message, function_call, function_call_output, reasoning or item_reference item' } },
    ],
  })
  input: string | Array<Record<string, unknown>>;

  /** A system message put before `input`. */
  @IsOptional()
  @IsString()
  instructions?: string | null;

  @IsOptional()
  @IsBoolean()
  stream?: boolean | null;

  /** Cap on the answer's tokens, reasoning included; an answer that reaches it ends with `status: "incomplete"`. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(131_072)
  max_output_tokens?: number | null;

  /** Function tools the model may call; other tool types are refused. An empty list is the same as none. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(128)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => FunctionToolDto)
  tools?: FunctionToolDto[];

  /** `none`, `auto`, `required` (needs `tools`), `{ "type": "function", "name": … }`, or `{ "type": "allowed_tools", "mode", "tools" }` (the others are not offered to the model). */
  @IsOptional()
  @Check('responsesToolChoice', validToolChoice, toolChoiceMessage)
  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', enum: [...TOOL_CHOICE_MODES] },
      { type: 'object', required: ['type', 'name'], properties: { type: { type: 'string', enum: ['function'] }, name: { type: 'string' } } },
      {
        type: 'object',
        required: ['type', 'mode', 'tools'],
        properties: { type: { type: 'string', enum: ['allowed_tools'] }, mode: { type: 'string', enum: ['auto', 'required'] }, tools: { type: 'array', items: { type: 'object' } } },
      },
    ],
  })
  tool_choice?: (typeof TOOL_CHOICE_MODES)[number] | { type: 'function'; name: string } | { type: 'allowed_tools'; mode: 'auto' | 'required'; tools: Array<{ type: 'function'; name: string }> };

  /** Let the model call several tools in one turn. */
  @IsOptional()
  @IsBoolean()
  parallel_tool_calls?: boolean | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TextConfigDto)
  text?: TextConfigDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ReasoningConfigDto)
  reasoning?: ReasoningConfigDto | null;

  /** An id for the end user, passed to the provider (`safety_identifier` stands in when it is absent). */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  user?: string;

  /** Sent as `user` when `user` is absent. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  safety_identifier?: string | null;

  /** Passed to Cerebras (its prompt cache); left out for Groq. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  prompt_cache_key?: string | null;

  /** Refused: no response is kept to continue from. */
  @IsOptional()
  @Equals(undefined, { message: `previous_response_id is not supported: ${STATELESS}` })
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Not supported (400): the gateway keeps no responses; send the whole conversation in `input`.' })
  previous_response_id?: string | null;

  /** Refused: no conversation is kept. */
  @IsOptional()
  @Equals(undefined, { message: `conversation is not supported: ${STATELESS}` })
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'Not supported (400): the gateway keeps no conversations.' })
  conversation?: unknown;

  /** Refused: a stored prompt template lives at OpenAI. */
  @IsOptional()
  @Equals(undefined, { message: `prompt (a stored prompt template) ${NOT_SUPPORTED}: send instructions and input` })
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'Not supported (400): send `instructions` and `input`.' })
  prompt?: unknown;

  /** Only `false`: a background response would have to be stored and polled. */
  @IsOptional()
  @Equals(false, { message: `background: true is not supported: ${STATELESS}` })
  background?: boolean | null;

  /** Not supported. */
  @IsOptional()
  @Equals(undefined, { message: `top_logprobs ${NOT_SUPPORTED}` })
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Not supported (400): leave it out.' })
  top_logprobs?: number | null;

  // Accepted and left out: documented here, with no validation rule, so validation strips them like
  // any field it does not know and the response names them in x-gateway-dropped-params.

  /** Accepted and left out: nothing is stored, whatever it says (`store: false` semantics). */
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Accepted and left out: nothing is stored.' })
  store?: boolean | null;

  /** Accepted and left out (the gateway keeps nothing). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, nullable: true, description: 'Accepted and left out.' })
  metadata?: Record<string, string> | null;

  /** Accepted and left out: there is no encrypted reasoning, no log probabilities, no built-in tool output to include. */
  @ApiPropertyOptional({ type: [String], nullable: true, description: 'Accepted and left out.' })
  include?: string[] | null;

  /** Accepted and left out: a request that does not fit a model's context window is refused (413), never truncated. */
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Accepted and left out.' })
  truncation?: string | null;

  /** Accepted and left out: each provider serves at its own tier. */
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Accepted and left out.' })
  service_tier?: string | null;

  /** Accepted and left out (built-in tools only). */
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Accepted and left out.' })
  max_tool_calls?: number | null;

  /** Accepted and left out. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'Accepted and left out.' })
  stream_options?: unknown;

  /** Accepted and left out. */
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Accepted and left out.' })
  prompt_cache_retention?: string | null;

  /** Accepted and left out. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Accepted and left out.' })
  prompt_cache_options?: unknown;

  /** Accepted and left out. */
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, nullable: true, description: 'Accepted and left out.' })
  context_management?: unknown;

  /** Accepted and left out. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'Accepted and left out.' })
  moderation?: unknown;
}
