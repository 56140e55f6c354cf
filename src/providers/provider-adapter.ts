import type { RateLimitSnapshot } from './rate-limit-headers.js';

/** A call the model asked for, as OpenAI's `tool_calls` entries carry it. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A message as every provider is sent it (OpenAI's `developer` arrives here as `system`). */
export type UpstreamMessage =
  | { role: 'system' | 'user'; content: string }
  /** `content` is null when the model only called tools. */
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string };

/** A function the model may call: OpenAI's function tool, passed on as is. */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ReasoningEffort = 'none' | 'low' | 'medium' | 'high';

/**
 * How the model's reasoning comes back: `separate` in `reasoning` fields beside the content,
 * `hidden` not at all, `raw` inside the content (`<think>…</think>`). Absent: the provider's default.
 */
export type ReasoningDelivery = 'separate' | 'hidden' | 'raw';

/** What shapes the answer beyond the messages and sampling; each provider leaves out what it does not take. */
export interface GenerationOptions {
  stop?: string[];
  seed?: number;
  /** An end-user id the provider may use for abuse monitoring. */
  user?: string;
  /** OpenAI's `response_format` (`text`, `json_object`, `json_schema`), passed on as is. */
  responseFormat?: Record<string, unknown>;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  reasoningEffort?: ReasoningEffort;
  /** How the model's reasoning should come back; absent: the provider's default. */
  reasoning?: ReasoningDelivery;
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** A hint that requests sharing it share a prompt prefix (providers that cache prompts use it). */
  promptCacheKey?: string;
}

export interface UpstreamRequest extends GenerationOptions {
  model: string;
  messages: UpstreamMessage[];
  temperature: number;
  maxCompletionTokens: number;
  topP: number;
}

/**
 * One fragment of a tool call in a stream: the first fragment of call `index` carries its `id` and
 * name, later ones pieces of its arguments (OpenAI's `delta.tool_calls` entries).
 */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** One decoded upstream frame; fields absent when the frame does not carry them. */
export interface UpstreamChunk {
  content?: string;
  reasoning?: string;
  toolCalls?: ToolCallDelta[];
  finishReason?: string;
  usage?: TokenUsage;
}

export interface UpstreamStream {
  /** What the response headers said about the provider's limits. */
  rateLimit: RateLimitSnapshot | null;
  /**
   * The decoded frames, one batch per network read (never empty), so that the frames that
   * arrived together are relayed together. Ends normally only after the provider's end marker;
   * throws UpstreamError otherwise.
   */
  batches: AsyncIterable<UpstreamChunk[]>;
  /** Request parameters this provider does not take, left out of what was sent (named as in OpenAI's API). */
  droppedParameters: string[];
}

/** A model a provider lists as offered (its models endpoint). */
export interface OfferedModel {
  id: string;
  /** Tokens of prompt plus completion the model takes, when the provider says. */
  contextWindow?: number;
}

/** A provider's own bounds on waiting for it; absent: the gateway's (UPSTREAM_*_TIMEOUT_MS). */
export interface ProviderTimeouts {
  firstTokenMs?: number;
  idleMs?: number;
}

/**
 * The port every provider implements. The core never imports an SDK: it asks the registry for
 * an adapter by name and streams through it.
 */
export abstract class ProviderAdapter {
  /** The provider's name as used in the catalog and in `provider/model` ids. */
  abstract readonly name: string;
  /** The environment variable that holds this provider's key; null for one that needs none (a local server). */
  abstract readonly apiKeyVariable: string | null;
  /** False when its key is not set: the provider's models are listed as unavailable. */
  abstract readonly configured: boolean;
  /** Set by an adapter whose provider was configured with its own. */
  timeouts: ProviderTimeouts = {};

  /**
   * Starts a streamed completion. Resolves when the response headers arrive; rejects with an
   * UpstreamError. Aborting `signal` cancels the upstream request.
   */
  abstract openStream(request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamStream>;

  /** The models the provider offers now; rejects with an UpstreamError when it cannot say. */
  abstract listModels(signal: AbortSignal): Promise<OfferedModel[]>;
}

/** Injection token for the list of every registered adapter. */
export const PROVIDER_ADAPTERS = Symbol('PROVIDER_ADAPTERS');
