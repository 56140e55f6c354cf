import type { AttemptRecord } from '../common/errors/gateway-errors.js';
import type { Capability, Deployment } from '../config/model-catalog.js';
import type { GenerationOptions, TokenUsage, ToolCall, ToolCallDelta, ToolDefinition, UpstreamMessage } from '../providers/provider-adapter.js';
import type { ChatRequestContext } from '../common/http/chat-route.js';

/** A validated chat request, independent of the HTTP shape it came in. */
export interface ChatCommand extends GenerationOptions {
  messages: UpstreamMessage[];
  model?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  /** Parameters accepted and left out before any provider is chosen (named in the response). */
  droppedParameters?: string[];
  /** Who asked and the request's id; one is made up when absent. */
  context?: ChatRequestContext;
}

export interface ChatMeta {
  requestId: string;
  /** The provider's model id that is answering. */
  model: string;
  provider: string;
  /** Deployments that failed before this one answered. */
  attempts: AttemptRecord[];
  /** Request parameters left out: by the gateway, and by the provider that answers. */
  droppedParameters: string[];
  /** Served from the response cache (`hit`), or stored in it once complete (`miss`); absent when the request is not cached. */
  cache?: 'hit' | 'miss';
}

export type ChatEvent =
  | { type: 'delta'; content: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool_calls'; calls: ToolCallDelta[] }
  | { type: 'done'; finishReason: string; usage: TokenUsage };

/** An answer that has begun: the model is chosen and its first token has arrived. */
export interface ChatSession {
  meta: ChatMeta;
  /** The deployment answering. */
  deployment: Deployment;
  /**
   * The events in batches, one per upstream read (never empty), so that what arrived together
   * leaves in one write. Ends after `done`, or throws StreamInterruptedError / ClientGoneError.
   */
  events: AsyncIterable<ChatEvent[]>;
}

/** A whole answer (`stream: false`). */
export interface ChatCompletion {
  meta: ChatMeta;
  deployment: Deployment;
  /** Null when the model only called tools. */
  content: string | null;
  /** The model's reasoning, when the provider sent it. */
  reasoning?: string;
  toolCalls?: ToolCall[];
  finishReason: string;
  usage: TokenUsage;
}

/** What a deployment must be able to do to serve the command. */
export function requiredCapabilities(command: ChatCommand): Capability[] {
  const required: Capability[] = [];
  if (command.tools?.length) required.push('tools');
  if (command.responseFormat?.type === 'json_schema') required.push('jsonSchema');
  return required;
}

/** The characters of a message the model reads: its text, and the names and arguments of its tool calls. */
export function messageCharacters(message: UpstreamMessage): number {
  let characters = message.content?.length ?? 0;
  if (message.role === 'assistant') {
    for (const call of message.toolCalls ?? []) characters += call.id.length + call.function.name.length + call.function.arguments.length;
  }
  return characters;
}

/**
 * chars/4 plus a few tokens of per-message framing: close enough to reserve against limits.
 * Tool definitions count as their JSON, which is roughly what the provider puts in the prompt.
 */
export function estimatePromptTokens(messages: readonly UpstreamMessage[], tools: readonly ToolDefinition[] = []): number {
  let characters = 0;
  for (const message of messages) characters += messageCharacters(message);
  if (tools.length > 0) characters += JSON.stringify(tools).length;
  return Math.ceil(characters / 4) + messages.length * 4 + 3;
}

/** The complete calls a stream's tool-call fragments add up to, by index. */
export function assembleToolCalls(deltas: readonly ToolCallDelta[]): ToolCall[] {
  const calls = new Map<number, ToolCall>();
  for (const delta of deltas) {
    let call = calls.get(delta.index);
    if (!call) {
      call = { id: '', type: 'function', function: { name: '', arguments: '' } };
      calls.set(delta.index, call);
    }
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.function.name += delta.function.name;
    if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
  }
  return [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
}

/**
 * The index of the first tool message whose `toolCallId` no earlier assistant message called, or
 * -1. Every provider refuses such a conversation with a 400; the routes refuse it themselves,
 * naming the message, rather than send a request no deployment will take.
 */
export function firstToolReplyWithoutCall(messages: readonly UpstreamMessage[]): number {
  const called = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (message.role === 'assistant') for (const call of message.toolCalls ?? []) called.add(call.id);
    else if (message.role === 'tool' && !called.has(message.toolCallId)) return index;
  }
  return -1;
}
