import type { TokenUsage } from './provider-adapter.js';

/**
 * The most tokens one field of a provider's `usage` may claim. Ten times the largest context
 * window on offer (about 1M tokens) with room to spare; anything above it is a broken or hostile
 * provider, and believing it would fill (or, negative, empty) a token window in one answer.
 */
export const MAX_USAGE_TOKENS = 10_000_000;

/**
 * A provider's `usage` object, checked: `prompt_tokens` and `completion_tokens` must be integers
 * in [0, MAX_USAGE_TOKENS]; `total_tokens`, when sent, must equal their sum (it is never taken on
 * its own). Anything else gives null: the usage is dropped and the gateway's own estimate is used.
 */
export function validUsage(raw: unknown): TokenUsage | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total } = raw as Record<string, unknown>;
  if (!isTokenCount(prompt) || !isTokenCount(completion)) return null;
  const sum = prompt + completion;
  if (total !== undefined && total !== null && total !== sum) return null;
  return { promptTokens: prompt, completionTokens: completion, totalTokens: sum };
}

function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_USAGE_TOKENS;
}
