import type { AttemptRecord } from '../common/errors/gateway-errors.js';
import type { Deployment } from '../config/model-catalog.js';
import type { TokenUsage, UpstreamMessage } from '../providers/provider-adapter.js';
import type { ChatRequestContext } from '../common/http/chat-route.js';

/** A validated chat request, independent of the HTTP shape it came in. */
export interface ChatCommand {
  messages: UpstreamMessage[];
  model?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
  user?: string;
  responseFormat?: Record<string, unknown>;
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
}

export type ChatEvent =
  | { type: 'delta'; content: string }
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
  content: string;
  finishReason: string;
  usage: TokenUsage;
}

/** chars/4 plus a few tokens of per-message framing: close enough to reserve against limits. */
export function estimatePromptTokens(messages: readonly UpstreamMessage[]): number {
  let characters = 0;
  for (const message of messages) characters += message.content.length;
  return Math.ceil(characters / 4) + messages.length * 4 + 3;
}
