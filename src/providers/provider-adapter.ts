import type { RateLimitSnapshot } from './rate-limit-headers.js';

export interface UpstreamMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface UpstreamRequest {
  model: string;
  messages: UpstreamMessage[];
  temperature: number;
  maxCompletionTokens: number;
  topP: number;
  stop?: string[];
  seed?: number;
  /** An end-user id the provider may use for abuse monitoring. */
  user?: string;
  /** OpenAI's `response_format` (`text`, `json_object`, `json_schema`), passed on as is. */
  responseFormat?: Record<string, unknown>;
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
}

/**
 * The port every provider implements. The core never imports an SDK: it asks the registry for
 * an adapter by name and streams through it.
 */
export abstract class ProviderAdapter {
  /** The provider's name as used in the catalog and in `provider/model` ids. */
  abstract readonly name: string;
  /** The environment variable that holds this provider's key. */
  abstract readonly apiKeyVariable: string;
  /** False when no key is set: the provider's models are listed as unavailable. */
  abstract readonly configured: boolean;

  /**
   * Starts a streamed completion. Resolves when the response headers arrive; rejects with an
   * UpstreamError. Aborting `signal` cancels the upstream request.
   */
  abstract openStream(request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamStream>;
}

/** Injection token for the list of every registered adapter. */
export const PROVIDER_ADAPTERS = Symbol('PROVIDER_ADAPTERS');
