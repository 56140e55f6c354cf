import { describe, expect, it } from 'vitest';
import { MemoryAnswerStore } from './answer-store.js';

describe('MemoryAnswerStore', () => {
  it('serves an entry until its TTL, then forgets it', async () => {
    let now = 1_000;
    const store = new MemoryAnswerStore(1_000_000, () => now);
    await store.set('a', 'answer', 500);
    expect(await store.get('a')).toBe('answer');
    now += 499;
    expect(await store.get('a')).toBe('answer');
    now += 1;
    expect(await store.get('a')).toBeNull();
    expect(store.size()).toEqual({ entries: 0, bytes: 0 });
  });

  it('keeps within its byte bound, dropping the least recently used first', async () => {
    // Each entry: 100 bytes of value + 1 of key.
    const store = new MemoryAnswerStore(303);
    for (const key of ['a', 'b', 'c']) await store.set(key, 'x'.repeat(100), 60_000);
    expect(await store.get('a')).not.toBeNull(); // a is now the most recently used
    await store.set('d', 'x'.repeat(100), 60_000);
    expect(await store.get('b')).toBeNull();
    expect(await store.get('a')).not.toBeNull();
    expect(await store.get('c')).not.toBeNull();
    expect(store.size()).toEqual({ entries: 3, bytes: 303 });
  });

  it('does not store an entry larger than its whole bound', async () => {
    const store = new MemoryAnswerStore(50);
    await store.set('a', 'x'.repeat(100), 60_000);
    expect(await store.get('a')).toBeNull();
  });
});
