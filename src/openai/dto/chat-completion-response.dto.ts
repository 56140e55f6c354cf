import { ApiProperty } from '@nestjs/swagger';

export class CompletionUsageDto {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export class ChatCompletionResponseMessageDto {
  @ApiProperty({ enum: ['assistant'] })
  role: 'assistant';
  content: string;
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

export class ChatCompletionChunkDeltaDto {
  @ApiProperty({ enum: ['assistant'], required: false })
  role?: 'assistant';
  content?: string;
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
