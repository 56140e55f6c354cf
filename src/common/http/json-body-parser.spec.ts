import { describe, expect, it } from 'vitest';
import { exceedsJsonValues } from './json-body-parser.js';

describe('exceedsJsonValues', () => {
  it('counts the values of arrays and objects', () => {
    const body = JSON.stringify({ messages: Array.from({ length: 10 }, () => ({ role: 'user', content: 'hi' })) });
    // 1 body + 1 array + 10 objects, 10 commas inside them, 9 between them.
    expect(exceedsJsonValues(Buffer.from(body), 31)).toBe(false);
    expect(exceedsJsonValues(Buffer.from(body), 30)).toBe(true);
  });

  it('does not count commas and brackets inside strings, escaped quotes included', () => {
    const content = 'a, b, [c], {d}, "quoted, too", \\ and more,,,,'.repeat(1_000);
    const body = JSON.stringify({ messages: [{ role: 'user', content }] });
    expect(exceedsJsonValues(Buffer.from(body), 5)).toBe(false);
  });

  it('refuses 60,000 messages in a few milliseconds per megabyte', () => {
    const body = JSON.stringify({ messages: Array.from({ length: 60_000 }, () => ({ role: 'user', content: 'x' })) });
    expect(exceedsJsonValues(Buffer.from(body), 65_536)).toBe(true);
  });
});
