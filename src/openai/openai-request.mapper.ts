import { instanceToPlain } from 'class-transformer';
import { firstToolReplyWithoutCall, type ChatCommand } from '../chat/chat-command.js';
import { RequestInvalidError } from '../common/errors/gateway-errors.js';
import { droppedFieldsOf } from '../common/http/validation.pipe.js';
import type { ReasoningDelivery, ReasoningEffort, ToolDefinition, UpstreamMessage } from '../providers/provider-adapter.js';
import { type ChatCompletionMessageDto, type ChatCompletionRequestDto, type REASONING_EFFORTS, type TextContentPartDto } from './dto/chat-completion-request.dto.js';

/** `auto` asks for the rotation strategy over every model. */
export const AUTO_MODEL = 'auto';

const EFFORT: Record<(typeof REASONING_EFFORTS)[number], ReasoningEffort> = {
  none: 'none',
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
};

/** OpenAI's reasoning effort as the providers take it: `minimal` is sent as `low`, `xhigh` as `high`. */
export function reasoningEffortOf(effort: (typeof REASONING_EFFORTS)[number]): ReasoningEffort {
  return EFFORT[effort];
}

export function toChatCommand(body: ChatCompletionRequestDto): ChatCommand {
  const dropped = new Set<string>(droppedFieldsOf(body));
  // Checked (text only), then left out: nothing else is asked of the providers.
  if (body.modalities) dropped.add('modalities');
  if (body.stream_options?.include_obfuscation !== undefined) dropped.add('stream_options.include_obfuscation');
  if (body.safety_identifier !== undefined && body.user !== undefined) dropped.add('safety_identifier');
  const tools = body.tools?.length ? (body.tools.map((tool) => instanceToPlain(tool)) as ToolDefinition[]) : undefined;
  const messages = body.messages.map(toUpstreamMessage);
  const orphan = firstToolReplyWithoutCall(messages);
  if (orphan >= 0) {
    const field = `messages.${orphan}.tool_call_id`;
    const error = 'must be the id of a tool call made by an earlier assistant message';
    throw new RequestInvalidError(`Invalid request. ${field}: ${error}.`, { fields: [{ field, errors: [error] }] });
  }
  return {
    messages,
    model: body.model === AUTO_MODEL ? undefined : body.model,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    stop: body.stop ?? undefined,
    seed: body.seed ?? undefined,
    user: body.user ?? body.safety_identifier,
    responseFormat: body.response_format ? instanceToPlain(body.response_format) : undefined,
    tools,
    // Without tools the providers refuse a tool_choice; `none` and `auto` then mean nothing anyway.
    toolChoice: tools ? (body.tool_choice ?? undefined) : undefined,
    parallelToolCalls: tools ? (body.parallel_tool_calls ?? undefined) : undefined,
    reasoningEffort: body.reasoning_effort ? reasoningEffortOf(body.reasoning_effort) : undefined,
    reasoning: reasoningDelivery(body),
    frequencyPenalty: body.frequency_penalty ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    promptCacheKey: body.prompt_cache_key ?? undefined,
    droppedParameters: [...dropped],
  };
}

function reasoningDelivery({ include_reasoning, reasoning_format }: ChatCompletionRequestDto): ReasoningDelivery | undefined {
  if (include_reasoning !== undefined && include_reasoning !== null) return include_reasoning ? 'separate' : 'hidden';
  switch (reasoning_format) {
    case 'parsed':
    case 'text_parsed':
      return 'separate';
    case 'hidden':
    case 'raw':
      return reasoning_format;
    default:
      return undefined;
  }
}

const joinText = (content: string | TextContentPartDto[] | null | undefined): string | null => {
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return content;
  // Refusal parts of an earlier assistant turn carry no text for the model.
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
};

/** OpenAI's message as every provider takes it: `developer` becomes `system`, text parts are joined. */
function toUpstreamMessage(message: ChatCompletionMessageDto): UpstreamMessage {
  switch (message.role) {
    case 'tool':
      return { role: 'tool', content: joinText(message.content) ?? '', toolCallId: message.tool_call_id! };
    case 'assistant': {
      const toolCalls = message.tool_calls?.length
        ? message.tool_calls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.function.name, arguments: call.function.arguments } }))
        : undefined;
      return { role: 'assistant', content: joinText(message.content), ...(toolCalls ? { toolCalls } : {}) };
    }
    case 'developer':
      return { role: 'system', content: joinText(message.content) ?? '' };
    default:
      return { role: message.role, content: joinText(message.content) ?? '' };
  }
}
