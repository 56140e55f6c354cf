import type { ChatCommand, ChatCompletion } from './chat-command.js';
import type { ChatRequestDto } from './dto/chat-request.dto.js';
import type { ChatCompletionResponseDto } from './dto/chat-response.dto.js';

export function toChatCommand(body: ChatRequestDto): ChatCommand {
  return {
    messages: body.messages.map(({ role, content }) => ({ role, content })),
    model: body.model,
    temperature: body.temperature,
    maxTokens: body.max_tokens,
    topP: body.top_p,
    stop: body.stop,
    // Without it the provider's default stands and the writers leave reasoning out.
    ...(body.include_reasoning ? { reasoning: 'separate' as const } : {}),
  };
}

/**
 * `stream: false` → JSON. Otherwise the Accept header decides: SSE when it names
 * text/event-stream, plain text for text/plain, JSON when it asks only for application/json;
 * SSE for anything else.
 */
export function responseFormat(stream: boolean | undefined, accept: string | undefined): 'sse' | 'text' | 'json' {
  if (stream === false) return 'json';
  const value = accept?.toLowerCase() ?? '';
  if (value.includes('text/event-stream')) return 'sse';
  if (value.includes('text/plain')) return 'text';
  if (value.includes('application/json') && !value.includes('*/*')) return 'json';
  return 'sse';
}

export function toChatCompletionResponse({ meta, content, reasoning, finishReason, usage }: ChatCompletion, includeReasoning: boolean): ChatCompletionResponseDto {
  const { requestId, model, provider, attempts, cache } = meta;
  return {
    requestId,
    model,
    provider,
    content: content ?? '',
    ...(includeReasoning && reasoning !== undefined ? { reasoning } : {}),
    finishReason,
    usage,
    attempts,
    ...(cache ? { cache } : {}),
  };
}
