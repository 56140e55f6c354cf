import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

export class ResponseOutputTextDto {
  @ApiProperty({ enum: ['output_text'] })
  type: 'output_text';
  text: string;
  /** Always empty: no citations here. */
  @ApiProperty({ type: 'array', items: { type: 'object' } })
  annotations: never[];
}

/** The model's answer text. */
export class ResponseOutputMessageDto {
  @ApiProperty({ enum: ['message'] })
  type: 'message';
  /** `msg_…` */
  id: string;
  @ApiProperty({ enum: ['assistant'] })
  role: 'assistant';
  /** `incomplete` when the answer stopped on `max_output_tokens`. */
  @ApiProperty({ enum: ['in_progress', 'completed', 'incomplete'] })
  status: 'in_progress' | 'completed' | 'incomplete';
  content: ResponseOutputTextDto[];
}

/** A call the model asks the caller to make; answer it with a `function_call_output` item carrying `call_id`. */
export class ResponseFunctionCallDto {
  @ApiProperty({ enum: ['function_call'] })
  type: 'function_call';
  /** `fc_…` */
  id: string;
  call_id: string;
  name: string;
  /** The arguments as the model wrote them: JSON text, to be parsed (and checked) by the caller. */
  arguments: string;
  @ApiProperty({ enum: ['in_progress', 'completed', 'incomplete'] })
  status: 'in_progress' | 'completed' | 'incomplete';
}

export class ReasoningTextDto {
  @ApiProperty({ enum: ['reasoning_text'] })
  type: 'reasoning_text';
  text: string;
}

export class ReasoningSummaryTextDto {
  @ApiProperty({ enum: ['summary_text'] })
  type: 'summary_text';
  text: string;
}

/** The model's reasoning, when the provider sent it. */
export class ResponseReasoningItemDto {
  @ApiProperty({ enum: ['reasoning'] })
  type: 'reasoning';
  /** `rs_…` */
  id: string;
  /** The reasoning as the model wrote it. */
  content: ReasoningTextDto[];
  /** The same text, when the request asked for a summary (`reasoning.summary`); else empty. */
  summary: ReasoningSummaryTextDto[];
  @ApiProperty({ enum: ['in_progress', 'completed', 'incomplete'] })
  status: 'in_progress' | 'completed' | 'incomplete';
}

export class InputTokensDetailsDto {
  /** Always 0: the providers' counts are not broken down here. */
  cached_tokens: number;
}

export class OutputTokensDetailsDto {
  /** Always 0: the providers' counts are not broken down here (reasoning tokens are in `output_tokens`). */
  reasoning_tokens: number;
}

export class ResponseUsageDto {
  input_tokens: number;
  input_tokens_details: InputTokensDetailsDto;
  output_tokens: number;
  output_tokens_details: OutputTokensDetailsDto;
  total_tokens: number;
}

export class IncompleteDetailsDto {
  @ApiProperty({ enum: ['max_output_tokens', 'content_filter'] })
  reason: 'max_output_tokens' | 'content_filter';
}

export class ResponseErrorDto {
  /** `server_error`: the provider broke off after the answer began. */
  code: string;
  message: string;
}

const OUTPUT_ITEM = { oneOf: [ResponseOutputMessageDto, ResponseFunctionCallDto, ResponseReasoningItemDto].map((item) => ({ $ref: getSchemaPath(item) })) };

/** OpenAI's `response` object. `output_text` is not sent: the `openai` SDK adds it from `output`. */
export class ResponseDto {
  /** `resp_…` */
  id: string;
  @ApiProperty({ enum: ['response'] })
  object: 'response';
  /** Unix time in seconds. */
  created_at: number;
  /** `incomplete` when the answer stopped on `max_output_tokens` (see `incomplete_details`); `in_progress` and `failed` only in stream events. */
  @ApiProperty({ enum: ['completed', 'incomplete', 'in_progress', 'failed'] })
  status: 'completed' | 'incomplete' | 'in_progress' | 'failed';
  /** The public model id that answered. */
  model: string;
  /** Reasoning, then the message, then function calls, in the order the model produced them. */
  @ApiProperty({ type: 'array', items: OUTPUT_ITEM })
  output: Array<ResponseOutputMessageDto | ResponseFunctionCallDto | ResponseReasoningItemDto>;
  /** Null while in progress (stream events). */
  @ApiProperty({ type: ResponseUsageDto, nullable: true })
  usage: ResponseUsageDto | null;
  @ApiProperty({ type: IncompleteDetailsDto, nullable: true })
  incomplete_details: IncompleteDetailsDto | null;
  @ApiProperty({ type: ResponseErrorDto, nullable: true })
  error: ResponseErrorDto | null;
  /** As sent. */
  @ApiProperty({ type: String, nullable: true })
  instructions: string | null;
  @ApiProperty({ type: Number, nullable: true })
  max_output_tokens: number | null;
  @ApiProperty({ type: Number, nullable: true })
  temperature: number | null;
  @ApiProperty({ type: Number, nullable: true })
  top_p: number | null;
  parallel_tool_calls: boolean;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }] })
  tool_choice: unknown;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  tools: unknown[];
  @ApiProperty({ type: 'object', additionalProperties: true })
  text: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  reasoning: unknown;
  /** Always false: the gateway keeps no responses. */
  store: boolean;
  /** Always false. */
  background: boolean;
  /** Always null. */
  @ApiProperty({ type: String, nullable: true })
  previous_response_id: null;
  /** Always null (metadata is not kept). */
  @ApiProperty({ type: Object, nullable: true })
  metadata: null;
  @ApiPropertyOptional({ type: String })
  user?: string;
}

/**
 * One event of a streamed response (`event: <type>` / `data: {…}`). Every event has `type` and
 * `sequence_number`; the other fields depend on the type.
 */
export class ResponseStreamEventDto {
  @ApiProperty({
    enum: [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
      'response.incomplete',
      'response.failed',
    ],
  })
  type: string;
  /** 0, 1, 2, … in the order the events are sent. */
  sequence_number: number;
  /** `response.created`, `.in_progress`, `.completed`, `.incomplete`, `.failed`: the response so far. */
  @ApiPropertyOptional({ type: ResponseDto })
  response?: ResponseDto;
  /** `response.output_item.added` / `.done`: the item (with its text or arguments once done). */
  @ApiPropertyOptional(OUTPUT_ITEM)
  item?: unknown;
  output_index?: number;
  item_id?: string;
  content_index?: number;
  summary_index?: number;
  /** A piece of text, reasoning or arguments. */
  delta?: string;
  /** `….done` of text and reasoning: the whole text. */
  text?: string;
  /** `response.function_call_arguments.done`: the whole arguments. */
  arguments?: string;
}
