import type { ChatCommand } from '../chat/chat-command.js';
import { RequestInvalidError } from '../common/errors/gateway-errors.js';
import { droppedFieldsOf } from '../common/http/validation.pipe.js';
import { NOT_SUPPORTED } from '../openai/dto/chat-completion-request.dto.js';
import { AUTO_MODEL, reasoningEffortOf } from '../openai/openai-request.mapper.js';
import type { ToolCall, ToolChoice, ToolDefinition, UpstreamMessage } from '../providers/provider-adapter.js';
import type { FunctionToolDto, ResponseCreateRequestDto, TextFormatDto } from './dto/response-request.dto.js';

/** The prefix of this gateway's reasoning item ids: a reference to one is a reasoning item echoed back. */
export const REASONING_ITEM_PREFIX = 'rs_';


/** What of the request the response object repeats (OpenAI's `response` echoes its settings). */
export interface ResponseSettings {
  instructions: string | null;
  maxOutputTokens: number | null;
  temperature: number | null;
  topP: number | null;
  parallelToolCalls: boolean;
  toolChoice: unknown;
  tools: FunctionToolDto[];
  text: { format: Record<string, unknown> };
  reasoning: { effort: string | null; summary: string | null };
  user?: string;
  /** Send the reasoning as the reasoning item's summary too (the request asked for one). */
  summarise: boolean;
}

/** A Responses request as the chat path takes it, and what its response repeats. */
export interface ResponsesRequest {
  command: ChatCommand;
  settings: ResponseSettings;
}

function invalid(field: string, error: string): RequestInvalidError {
  return new RequestInvalidError(`Invalid request. ${field}: ${error}.`, { fields: [{ field, errors: [error] }] });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What each kind of content part that is not text is, for the 400 that refuses it. */
const UNSUPPORTED_PART: Record<string, string> = {
  input_image: 'images',
  input_file: 'files',
  input_audio: 'audio',
};

/**
 * The text of a message's `content`: a string, or parts (`input_text`, and on an assistant's
 * message `output_text`; a `refusal` part carries no text for the model). Images, files and
 * audio are refused: none of the models served reads them.
 */
function textOf(content: unknown, field: string, assistant: boolean): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(field, 'content must be a string or an array of input_text parts');
  let text = '';
  content.forEach((part: unknown, index) => {
    const at = `${field}[${index}]`;
    const fields = isObject(part) ? part : {};
    const type = fields.type;
    if (type === 'input_text' || (assistant && type === 'output_text')) {
      if (typeof fields.text !== 'string') throw invalid(`${at}.text`, 'text must be a string');
      text += fields.text;
    } else if (assistant && type === 'refusal') {
      // An earlier refusal: nothing for the model to read.
    } else if (typeof type === 'string' && UNSUPPORTED_PART[type]) {
      throw invalid(`${at}.type`, `${type} ${NOT_SUPPORTED}: none of the models served reads ${UNSUPPORTED_PART[type]}`);
    } else {
      throw invalid(`${at}.type`, `content part type ${JSON.stringify(type)} is not supported: send input_text parts${assistant ? ' (or output_text on an assistant message)' : ''}`);
    }
  });
  return text;
}

const ROLES = ['user', 'system', 'developer', 'assistant'];

/** The conversation as every provider takes it: `developer` becomes `system`, a function call joins the assistant turn before it. */
function toMessages(input: ResponseCreateRequestDto['input'], instructions: string | null | undefined): UpstreamMessage[] {
  const messages: UpstreamMessage[] = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: input });
    return messages;
  }
  input.forEach((item, index) => {
    const field = `input[${index}]`;
    const type = item.type ?? 'message';
    switch (type) {
      case 'message': {
        const role = item.role;
        if (typeof role !== 'string' || !ROLES.includes(role)) throw invalid(`${field}.role`, `role must be one of ${ROLES.join(', ')}`);
        const text = textOf(item.content, `${field}.content`, role === 'assistant');
        if (role === 'assistant') messages.push({ role: 'assistant', content: text });
        else if (text === '') throw invalid(`${field}.content`, 'content must not be empty');
        else messages.push({ role: role === 'developer' ? 'system' : (role as 'user' | 'system'), content: text });
        return;
      }
      case 'function_call': {
        const call = functionCall(item, field);
        const previous = messages.at(-1);
        // The Responses API lists a turn's text and its calls as separate items; chat completions, as one message.
        if (previous?.role === 'assistant') previous.toolCalls = [...(previous.toolCalls ?? []), call];
        else messages.push({ role: 'assistant', content: null, toolCalls: [call] });
        return;
      }
      case 'function_call_output': {
        if (typeof item.call_id !== 'string' || item.call_id === '') throw invalid(`${field}.call_id`, 'call_id must be the call_id of a function_call');
        // Every provider refuses a tool result whose call it was not shown.
        if (!messages.some((message) => message.role === 'assistant' && message.toolCalls?.some((call) => call.id === item.call_id))) {
          throw invalid(`${field}.call_id`, 'call_id must be the call_id of a function_call earlier in input');
        }
        messages.push({ role: 'tool', toolCallId: item.call_id, content: textOf(item.output, `${field}.output`, false) });
        return;
      }
      case 'reasoning':
        // Reasoning from an earlier turn: the models served do not read it back.
        return;
      case 'item_reference':
        if (typeof item.id === 'string' && item.id.startsWith(REASONING_ITEM_PREFIX)) return;
        // A reference to an item this gateway sent is resolved before this (ResponseItemMemory).
        throw invalid(
          `${field}`,
          `item_reference ${JSON.stringify(item.id)} is not an item this gateway sent to this key in the last hour (without REDIS_URL, only the replica that sent it knows it): send the item itself (the Vercel AI SDK does with providerOptions: { openai: { store: false } })`,
        );
      default:
        throw invalid(`${field}.type`, `item type ${JSON.stringify(type)} is not supported: send messages, function_call and function_call_output items (built-in tools run at OpenAI)`);
    }
  });
  return messages;
}

function functionCall(item: Record<string, unknown>, field: string): ToolCall {
  if (typeof item.call_id !== 'string' || item.call_id === '') throw invalid(`${field}.call_id`, 'call_id must be a non-empty string');
  if (typeof item.name !== 'string' || item.name === '') throw invalid(`${field}.name`, 'name must be a non-empty string');
  if (typeof item.arguments !== 'string') throw invalid(`${field}.arguments`, 'arguments must be a string (JSON text)');
  return { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
}

/** The Responses API's flat function tool as chat completions nest it. */
function toToolDefinition({ name, description, parameters, strict }: FunctionToolDto): ToolDefinition {
  return {
    type: 'function',
    function: { name, ...(description ? { description } : {}), ...(parameters ? { parameters } : {}), ...(strict !== undefined && strict !== null ? { strict } : {}) },
  };
}

/** The tools offered and the choice among them; `allowed_tools` offers only the tools it lists. */
function toolsAndChoice(body: ResponseCreateRequestDto): { tools?: ToolDefinition[]; toolChoice?: ToolChoice } {
  let offered = body.tools ?? [];
  let toolChoice: ToolChoice | undefined;
  const choice = body.tool_choice;
  if (typeof choice === 'string') toolChoice = choice;
  else if (choice?.type === 'function') toolChoice = { type: 'function', function: { name: choice.name } };
  else if (choice?.type === 'allowed_tools') {
    const allowed = new Set(choice.tools.map((tool) => tool.name));
    offered = offered.filter((tool) => allowed.has(tool.name));
    toolChoice = choice.mode;
  }
  if (offered.length === 0) return {};
  // Without tools the providers refuse a tool_choice; `none` and `auto` then mean nothing anyway.
  return { tools: offered.map(toToolDefinition), ...(toolChoice ? { toolChoice } : {}) };
}

/** `text.format` as chat completions' `response_format`. */
function responseFormatOf(format: TextFormatDto | undefined): Record<string, unknown> | undefined {
  if (!format) return undefined;
  if (format.type !== 'json_schema') return { type: format.type };
  const { name, schema, description, strict } = format;
  return { type: 'json_schema', json_schema: { name, schema, ...(description ? { description } : {}), ...(strict !== undefined && strict !== null ? { strict } : {}) } };
}

/** The chat command a Responses request asks for, and the settings its response repeats. */
export function toResponsesRequest(body: ResponseCreateRequestDto): ResponsesRequest {
  return { command: toResponsesCommand(body), settings: responseSettings(body) };
}

/** The chat command a Responses request asks for. */
export function toResponsesCommand(body: ResponseCreateRequestDto): ChatCommand {
  const { tools, toolChoice } = toolsAndChoice(body);
  return {
    messages: toMessages(body.input, body.instructions),
    model: body.model === AUTO_MODEL ? undefined : body.model,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    maxTokens: body.max_output_tokens ?? undefined,
    user: body.user ?? body.safety_identifier ?? undefined,
    responseFormat: responseFormatOf(body.text?.format),
    tools,
    toolChoice,
    parallelToolCalls: tools ? (body.parallel_tool_calls ?? undefined) : undefined,
    reasoningEffort: body.reasoning?.effort ? reasoningEffortOf(body.reasoning.effort) : undefined,
    promptCacheKey: body.prompt_cache_key ?? undefined,
    droppedParameters: [...droppedFieldsOf(body)],
  };
}

/** What of a Responses request its response repeats. */
export function responseSettings(body: ResponseCreateRequestDto): ResponseSettings {
  const summary = body.reasoning?.summary ?? body.reasoning?.generate_summary ?? null;
  return {
    instructions: body.instructions ?? null,
    maxOutputTokens: body.max_output_tokens ?? null,
    temperature: body.temperature ?? null,
    topP: body.top_p ?? null,
    parallelToolCalls: body.parallel_tool_calls ?? true,
    toolChoice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    text: { format: (body.text?.format as Record<string, unknown> | undefined) ?? { type: 'text' } },
    reasoning: { effort: body.reasoning?.effort ?? null, summary },
    ...(body.user ? { user: body.user } : {}),
    summarise: summary !== null,
  };
}
