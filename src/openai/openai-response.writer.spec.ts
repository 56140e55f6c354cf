import { describe, expect, it } from 'vitest';
import { droppedParamsHeader } from './openai-response.writer.js';

describe('droppedParamsHeader', () => {
  it('names the parameters, comma-separated', () => {
    expect(droppedParamsHeader(['store', 'messages[].name'])).toBe('store, messages[].name');
  });

  it('%-encodes what a header cannot carry or would misread: controls, spaces, non-ASCII, commas, percent signs, lone surrogates', () => {
    expect(droppedParamsHeader(['a\u0000b', 'two words', 'é', 'x,y', '100%', '\ud800'])).toBe('a%00b, two%20words, %C3%A9, x%2Cy, 100%25, %EF%BF%BD');
  });

  it('names 32 at most and counts the rest', () => {
    const names = Array.from({ length: 40 }, (_, index) => `f${index}`);
    expect(droppedParamsHeader(names)).toBe(`${names.slice(0, 32).join(', ')}, ... (8 more)`);
  });
});
