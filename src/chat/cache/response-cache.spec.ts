import { describe, expect, it } from 'vitest';
import { deployment } from '../../../test/support/fixtures.js';
import type { ChatCommand, ChatEvent, ChatSession } from '../chat-command.js';
import { MemoryAnswerStore } from './answer-store.js';
import { canonicalJson, ResponseCache } from './response-cache.js';

const groq = deployment('groq', 'm');
const settings = { ttlMs: 60_000, zeroTemperature: true, sharedAcrossKeys: false };
const command = (overrides: Partial<ChatCommand> = {}, client: string | null = 'team-a'): ChatCommand => ({
  messages: [{ role: 'user', content: 'Hi' }],
  model: 'm',
  temperature: 0,
  context: { requestId: 'r', route: 'chat', client, allowedModels: null },
  ...overrides,
});
const batches: ChatEvent[][] = [
  [{ type: 'delta', content: 'Hel' }],
  [{ type: 'delta', content: 'lo' }, { type: 'done', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } }],
];

async function* from(items: ChatEvent[][]): AsyncGenerator<ChatEvent[]> {
  for (const batch of items) yield batch;
}

const session = (items: ChatEvent[][]): ChatSession => ({
  meta: { requestId: 'r1', model: 'm', provider: 'groq', attempts: [], droppedParameters: ['logit_bias'] },
  deployment: groq,
  events: from(items),
});

async function drain(events: AsyncIterable<ChatEvent[]>): Promise<ChatEvent[][]> {
  const seen: ChatEvent[][] = [];
  for await (const batch of events) seen.push(batch);
  return seen;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ResponseCache', () => {
  it('caches what asks to be cached, and temperature 0 unless told not to; no-store bypasses it', () => {
    const cache = new ResponseCache(new MemoryAnswerStore(1_000_000), settings);
    expect(cache.lookup(command(), 'default')).not.toBeNull();
    expect(cache.lookup(command({ temperature: 0.7 }), 'default')).toBeNull();
    expect(cache.lookup(command({ temperature: undefined }), 'default')).toBeNull();
    expect(cache.lookup(command({ temperature: 0.7 }), 'use')).not.toBeNull();
    expect(cache.lookup(command(), 'no-store')).toBeNull();
    expect(new ResponseCache(new MemoryAnswerStore(1_000_000), { ...settings, zeroTemperature: false }).lookup(command(), 'default')).toBeNull();
  });

  it('keys on every parameter and the access key, not on field order, the request id or a prompt cache hint', () => {
    const cache = new ResponseCache(new MemoryAnswerStore(1_000_000), settings);
    const key = (c: ChatCommand) => cache.lookup(c, 'use')!.hash;
    const base = key(command());
    expect(key(command({ maxTokens: 10 }))).not.toBe(base);
    expect(key(command({ seed: 1 }))).not.toBe(base);
    expect(key(command({ tools: [{ type: 'function', function: { name: 'f' } }] }))).not.toBe(base);
    expect(key(command({ messages: [{ role: 'user', content: 'Hi!' }] }))).not.toBe(base);
    expect(key(command({}, 'team-b'))).not.toBe(base);
    expect(key(command({ promptCacheKey: 'p', context: { requestId: 'other', route: 'openai', client: 'team-a', allowedModels: null } }))).toBe(base);
    const shared = new ResponseCache(new MemoryAnswerStore(1_000_000), { ...settings, sharedAcrossKeys: true });
    expect(shared.lookup(command({}, 'team-a'), 'use')!.hash).toBe(shared.lookup(command({}, 'team-b'), 'use')!.hash);
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":2,"f":1}]},"b":1}');
  });

  it('stores a completed answer as its events pass through, and replays the same events in one batch', async () => {
    const cache = new ResponseCache(new MemoryAnswerStore(1_000_000), settings);
    const lookup = cache.lookup(command(), 'default')!;
    const stored: number[] = [];
    const recorded = cache.record(lookup, session(batches), (bytes) => stored.push(bytes));
    expect(recorded.meta.cache).toBe('miss');
    expect(await drain(recorded.events)).toEqual(batches);
    await settle();
    expect(stored).toHaveLength(1);

    const hit = await cache.replay(lookup, 'r2', (key) => (key === groq.key ? groq : undefined));
    expect(hit!.meta).toEqual({ requestId: 'r2', model: 'm', provider: 'groq', attempts: [], droppedParameters: ['logit_bias'], cache: 'hit' });
    expect(hit!.bytes).toBe(stored[0]);
    expect(hit!.events).toEqual(batches.flat());
    // Replayed again (its parsed form kept): the same.
    expect((await cache.replay(lookup, 'r3', () => groq))!.events).toEqual(batches.flat());
  });

  it('stores nothing of an answer that did not complete, and misses when the deployment is gone', async () => {
    const cache = new ResponseCache(new MemoryAnswerStore(1_000_000), settings);
    const lookup = cache.lookup(command(), 'default')!;
    await drain(cache.record(lookup, session([batches[0]!]), () => undefined).events);
    await settle();
    expect(await cache.replay(lookup, 'r2', () => groq)).toBeNull();
    await drain(cache.record(lookup, session(batches), () => undefined).events);
    await settle();
    expect(await cache.replay(lookup, 'r2', () => undefined)).toBeNull();
    expect(await cache.replay(lookup, 'r2', () => groq)).not.toBeNull();
  });

  it('misses on a stored entry it cannot read as a complete answer', async () => {
    const store = new MemoryAnswerStore(1_000_000);
    const cache = new ResponseCache(store, settings);
    const lookup = cache.lookup(command(), 'default')!;
    const garbage = [
      'not json',
      '{"v":2}',
      JSON.stringify({ v: 1, deployment: groq.key, droppedParameters: [], batches: [[{ type: 'delta', content: 'x' }]] }),
      JSON.stringify({ v: 1, deployment: groq.key, droppedParameters: [], batches: [[{ type: 'delta', content: 5 }, batches[1]![1]]] }),
      JSON.stringify({ v: 1, deployment: groq.key, droppedParameters: [], batches: [[{ type: 'tool_calls', calls: [null] }, batches[1]![1]]] }),
    ];
    for (const value of garbage) {
      await store.set(lookup.hash, value, 60_000);
      expect(await cache.replay(lookup, 'r', () => groq)).toBeNull();
    }
  });
});
