import { describe, expect, it } from 'vitest';
import { MAX_USAGE_TOKENS, validUsage } from './upstream-usage.js';

describe('validUsage', () => {
  it('takes integer counts and computes the total from them', () => {
    expect(validUsage({ prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 })).toEqual({ promptTokens: 12, completionTokens: 30, totalTokens: 42 });
    expect(validUsage({ prompt_tokens: 12, completion_tokens: 30 })).toEqual({ promptTokens: 12, completionTokens: 30, totalTokens: 42 });
    expect(validUsage({ prompt_tokens: 0, completion_tokens: 0, total_tokens: null })).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
  });

  it('ignores fields it does not use (Groq timings, cached-token details)', () => {
    expect(validUsage({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, queue_time: 0.01, prompt_tokens_details: { cached_tokens: 1 } })).toEqual({
      promptTokens: 1,
      completionTokens: 2,
      totalTokens: 3,
    });
  });

  it.each([
    ['a negative count', { prompt_tokens: -1_000_000, completion_tokens: 5 }],
    ['a string', { prompt_tokens: 'abc', completion_tokens: 5 }],
    ['a numeric string', { prompt_tokens: '12', completion_tokens: 5 }],
    ['1e300', { prompt_tokens: 1e300, completion_tokens: 5 }],
    ['more than the bound', { prompt_tokens: 5, completion_tokens: MAX_USAGE_TOKENS + 1 }],
    ['NaN', { prompt_tokens: Number.NaN, completion_tokens: 5 }],
    ['Infinity', { prompt_tokens: 5, completion_tokens: Number.POSITIVE_INFINITY }],
    ['a float', { prompt_tokens: 12.5, completion_tokens: 5 }],
    ['a boolean', { prompt_tokens: true, completion_tokens: 5 }],
    ['null counts', { prompt_tokens: null, completion_tokens: null }],
    ['a missing prompt count', { completion_tokens: 5, total_tokens: 5 }],
    ['a missing completion count', { prompt_tokens: 5, total_tokens: 5 }],
    ['a total that does not add up', { prompt_tokens: 10, completion_tokens: 5, total_tokens: 1e300 }],
    ['a total that is a string', { prompt_tokens: 10, completion_tokens: 5, total_tokens: '15' }],
    ['a total lower than its parts', { prompt_tokens: 10, completion_tokens: 5, total_tokens: 14 }],
  ])('drops usage with %s', (_case, usage) => {
    expect(validUsage(usage)).toBeNull();
  });

  it.each([['a string', 'abc'], ['a number', 42], ['an array', [1, 2, 3]], ['true', true]])('drops usage that is %s instead of an object', (_case, usage) => {
    expect(validUsage(usage)).toBeNull();
  });

  it('accepts the bound itself', () => {
    expect(validUsage({ prompt_tokens: MAX_USAGE_TOKENS, completion_tokens: MAX_USAGE_TOKENS })?.totalTokens).toBe(2 * MAX_USAGE_TOKENS);
    expect(MAX_USAGE_TOKENS).toBe(10_000_000);
  });
});
