import { ApiProperty } from '@nestjs/swagger';

export class CompletionUsageDto {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export class ToolCallFunctionDto {
  name: string;
  /** The arguments as the model wrote them: JSON text, to be parsed (and checked) by the caller. */
  arguments: string;
}

/** A call the model asks the caller to make. */
export class ToolCallDto {
  /** Answer it with a `tool` message carrying this id as `tool_call_id`. */
  id: string;
  @ApiProperty({ enum: ['function'] })
  type: 'function';
  function: ToolCallFunctionDto;
}

export class ChatCompletionResponseMessageDto {
  @ApiProperty({ enum: ['assistant'] })
  role: 'assistant';
  /** Null when the model only called tools. */
  @ApiProperty({ type: String, nullable: true })
  content: string | null;
  /** The model's reasoning, when the provider sends it (see `include_reasoning`). */
  reasoning?: string;
  /** The calls the model asks for (`finish_reason: "tool_calls"`). */
  tool_calls?: ToolCallDto[];
  @ApiProperty({ type: String, nullable: true })
  refusal: null;
}

export class ChatCompletionChoiceDto {
  index: number;
  message: ChatCompletionResponseMessageDto;
  @ApiProperty({ type: Object, nullable: true })
  logprobs: null;
  /** stop, length, ... */
  finish_reason: string;
}

/** OpenAI's `chat.completion` object. */
export class ChatCompletionDto {
  id: string;
  @ApiProperty({ enum: ['chat.completion'] })
  object: 'chat.completion';
  /** Unix time in seconds. */
  created: number;
  /** The public model id that answered. */
  model: string;
  choices: ChatCompletionChoiceDto[];
  usage: CompletionUsageDto;
}

export class ToolCallDeltaFunctionDto {
  /** On the first fragment of a call. */
  name?: string;
  /** A piece of the arguments; concatenate the pieces of one `index` in order. */
  arguments?: string;
}

/** A fragment of a tool call: the first of each `index` carries `id`, `type` and the name. */
export class ToolCallDeltaDto {
  index: number;
  id?: string;
  @ApiProperty({ enum: ['function'], required: false })
  type?: 'function';
  function?: ToolCallDeltaFunctionDto;
}

export class ChatCompletionChunkDeltaDto {
  @ApiProperty({ enum: ['assistant'], required: false })
  role?: 'assistant';
  content?: string;
  /** A piece of the model's reasoning, as the provider sends it. */
  reasoning?: string;
  tool_calls?: ToolCallDeltaDto[];
}

export class ChatCompletionChunkChoiceDto {
  index: number;
  delta: ChatCompletionChunkDeltaDto;
  @ApiProperty({ type: String, nullable: true })
  finish_reason: string | null;
}

/** OpenAI's `chat.completion.chunk`, one per `data:` line of a stream. */
export class ChatCompletionChunkDto {
  id: string;
  @ApiProperty({ enum: ['chat.completion.chunk'] })
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChatCompletionChunkChoiceDto[];
  /** Only on the last chunk, and only with `stream_options.include_usage`. */
  @ApiProperty({ type: CompletionUsageDto, required: false })
  usage?: CompletionUsageDto;
}

export class OpenAiModelDto {
  /** A public model id, or `provider/id` for one deployment. */
  id: string;
  @ApiProperty({ enum: ['model'] })
  object: 'model';
  /** Unix time in seconds. */
  created: number;
  /** The provider, or the providers separated by commas for a model several serve. */
  owned_by: string;
  /**
   * Prompt plus completion tokens it takes (as Groq's model objects say it): for a public model the
   * largest of its deployments' (a request too large for one skips it). Absent when unknown.
   */
  context_window?: number;
}

export class OpenAiModelListDto {
  @ApiProperty({ enum: ['list'] })
  object: 'list';
  data: OpenAiModelDto[];
}

export class OpenAiErrorBodyDto {
  message: string;
  /** invalid_request_error, rate_limit_error, api_error, ... */
  type: string;
  @ApiProperty({ type: String, nullable: true })
  code: string | null;
  /** The request field at fault, if any. */
  @ApiProperty({ type: String, nullable: true })
  param: string | null;
}

/** OpenAI's error shape. */
export class OpenAiErrorResponseDto {
  error: OpenAiErrorBodyDto;
}
