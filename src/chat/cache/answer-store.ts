import type { SharedAnswerStore } from '../../redis/answer-store.js';
import type { RedisConnection } from '../../redis/redis-connection.js';

/** Where cached answers are kept: serialised, under the hash of their request. */
export abstract class AnswerStore {
  abstract readonly kind: 'memory' | 'redis';
  /** The stored answer, or null (absent, expired, or the store unreachable). */
  abstract get(hash: string): Promise<string | null>;
  abstract set(hash: string, value: string, ttlMs: number): Promise<void>;
  /** What the store holds now, when it can tell (the memory store): entries and bytes. */
  abstract size(): { entries: number; bytes: number } | null;
}

/**
 * This replica's cache: least recently used first out once `maxBytes` is reached, each entry
 * gone after its TTL.
 */
export class MemoryAnswerStore extends AnswerStore {
  readonly kind = 'memory';
  // A Map keeps insertion order: re-inserting on a hit makes the first key the least recently used.
  private readonly entries = new Map<string, { value: string; bytes: number; expiresAt: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  get(hash: string): Promise<string | null> {
    const entry = this.entries.get(hash);
    if (!entry) return Promise.resolve(null);
    this.entries.delete(hash);
    if (entry.expiresAt <= this.now()) {
      this.bytes -= entry.bytes;
      return Promise.resolve(null);
    }
    this.entries.set(hash, entry);
    return Promise.resolve(entry.value);
  }

  set(hash: string, value: string, ttlMs: number): Promise<void> {
    const bytes = Buffer.byteLength(value) + hash.length;
    if (bytes > this.maxBytes) return Promise.resolve();
    this.remove(hash);
    this.entries.set(hash, { value, bytes, expiresAt: this.now() + ttlMs });
    this.bytes += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest);
    }
    return Promise.resolve();
  }

  size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private remove(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.entries.delete(hash);
    this.bytes -= entry.bytes;
  }
}

/** Strings every replica shares, in Redis; a store that cannot be reached reads as empty, and keeps nothing. */
export class RedisAnswerStore extends AnswerStore {
  readonly kind = 'redis';

  constructor(
    private readonly connection: RedisConnection,
    private readonly store: SharedAnswerStore,
  ) {
    super();
  }

  async get(name: string): Promise<string | null> {
    return (await this.connection.attempt(() => this.store.get(name))) ?? null;
  }

  async set(name: string, value: string, ttlMs: number): Promise<void> {
    await this.connection.attempt(() => this.store.set(name, value, ttlMs));
  }

  size(): null {
    return null;
  }
}
