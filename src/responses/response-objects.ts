import { randomBytes } from 'node:crypto';
import type { ChatCompletion, ChatMeta } from '../chat/chat-command.js';
import type { Deployment } from '../config/model-catalog.js';
import type { TokenUsage } from '../providers/provider-adapter.js';
import type {
  IncompleteDetailsDto,
  ResponseDto,
  ResponseFunctionCallDto,
  ResponseOutputMessageDto,
  ResponseReasoningItemDto,
  ResponseUsageDto,
} from './dto/response.dto.js';
import { REASONING_ITEM_PREFIX, type ResponseSettings } from './responses-request.mapper.js';

/** A `response` as sent: a plain object of ResponseDto's shape. */
export type ResponseObject = { [Field in keyof ResponseDto]: ResponseDto[Field] };

export type OutputItem = ResponseOutputMessageDto | ResponseFunctionCallDto | ResponseReasoningItemDto;
export type ItemStatus = OutputItem['status'];

/**
 * The ids of a response's items, from a token of the response's own: unique even when clients
 * reuse an x-request-id, since a client may send an item back by its id (item_reference).
 */
export class ResponseIds {
  constructor(private readonly token: string) {}

  get message(): string {
    return `msg_${this.token}`;
  }

  get reasoning(): string {
    return `${REASONING_ITEM_PREFIX}${this.token}`;
  }

  functionCall(index: number): string {
    return `fc_${this.token}_${index}`;
  }
}

/** A new token for a response's item ids. */
export function newItemToken(): string {
  return randomBytes(9).toString('base64url');
}

export function toResponseUsage(usage: TokenUsage): ResponseUsageDto {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.totalTokens,
  };
}

/** Why an answer that ended this way is incomplete; null when it is complete. */
export function incompleteDetails(finishReason: string): IncompleteDetailsDto | null {
  if (finishReason === 'length') return { reason: 'max_output_tokens' };
  if (finishReason === 'content_filter') return { reason: 'content_filter' };
  return null;
}

export function messageItem(id: string, text: string, status: ItemStatus): ResponseOutputMessageDto {
  return { type: 'message', id, role: 'assistant', status, content: [{ type: 'output_text', text, annotations: [] }] };
}

export function reasoningItem(id: string, text: string, summarise: boolean, status: ItemStatus): ResponseReasoningItemDto {
  return { type: 'reasoning', id, content: [{ type: 'reasoning_text', text }], summary: summarise ? [{ type: 'summary_text', text }] : [], status };
}

/** A response with no output yet: what `response.created` carries, and what every later state starts from. */
export function responseHead(meta: ChatMeta, deployment: Deployment, settings: ResponseSettings, createdAt: number): ResponseObject {
  return {
    id: `resp_${meta.requestId}`,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    model: deployment.model,
    output: [],
    usage: null,
    incomplete_details: null,
    error: null,
    instructions: settings.instructions,
    max_output_tokens: settings.maxOutputTokens,
    temperature: settings.temperature,
    top_p: settings.topP,
    parallel_tool_calls: settings.parallelToolCalls,
    tool_choice: settings.toolChoice,
    tools: settings.tools,
    text: settings.text,
    reasoning: settings.reasoning,
    store: false,
    background: false,
    previous_response_id: null,
    metadata: null,
    ...(settings.user ? { user: settings.user } : {}),
  };
}

/** A whole answer (`stream: false`) as a `response`: reasoning, the message, then the function calls. */
export function completedResponse(completion: ChatCompletion, settings: ResponseSettings, itemToken = newItemToken()): ResponseObject {
  const { meta, deployment, content, reasoning, toolCalls, finishReason, usage } = completion;
  const ids = new ResponseIds(itemToken);
  const incomplete = incompleteDetails(finishReason);
  const status = incomplete ? 'incomplete' : 'completed';
  const output: OutputItem[] = [];
  if (reasoning) output.push(reasoningItem(ids.reasoning, reasoning, settings.summarise, status));
  if (content !== null) output.push(messageItem(ids.message, content, status));
  (toolCalls ?? []).forEach((call, index) =>
    output.push({ type: 'function_call', id: ids.functionCall(index), call_id: call.id, name: call.function.name, arguments: call.function.arguments, status }),
  );
  return {
    ...responseHead(meta, deployment, settings, Math.floor(Date.now() / 1000)),
    status,
    output,
    usage: toResponseUsage(usage),
    incomplete_details: incomplete,
  };
}
