import { hash } from 'node:crypto';
import type { Deployment } from '../../config/model-catalog.js';
import type { CacheDirective } from '../../common/http/chat-route.js';
import type { ChatCommand, ChatEvent, ChatMeta, ChatSession } from '../chat-command.js';
import type { AnswerStore } from './answer-store.js';

export interface ResponseCacheSettings {
  ttlMs: number;
  /** Cache requests with `temperature: 0` without being asked. */
  zeroTemperature: boolean;
  /** One cache for every access key instead of one per key. */
  sharedAcrossKeys: boolean;
}

/** The largest answer stored: a longer one is served, not cached. */
export const MAX_CACHED_ANSWER_BYTES = 1024 * 1024;

/** How many stored answers are kept parsed: hits on them skip reading and checking the text again. */
const PARSED_KEPT = 1_000;
/** How many recent requests' keys are remembered, and the largest request remembered (as JSON text). */
const KEYS_KEPT = 1_000;
const KEY_MEMO_MAX_CHARS = 8_192;

/** A stored answer, read and checked, with its events in one piece (a hit has them all at once). */
interface ParsedAnswer {
  raw: string;
  answer: StoredAnswer;
  events: ChatEvent[];
  bytes: number;
}

/** A hit: what a session needs, and every event of the answer (all there, so they leave in one batch). */
export interface CachedAnswer {
  meta: ChatMeta;
  deployment: Deployment;
  events: ChatEvent[];
  /** The stored answer's size. */
  bytes: number;
}

/** A request the cache may answer, and where its answer is (or goes). */
export interface CacheLookup {
  hash: string;
}

/** An answer as stored: the answering deployment and the events in their batches, replayed as they came. */
interface StoredAnswer {
  v: 1;
  deployment: string;
  droppedParameters: string[];
  batches: ChatEvent[][];
}

/**
 * The exact response cache (CACHE=memory|redis): a completed answer stored under a hash of the
 * public model, the messages, the tools and every generation parameter (and the access key,
 * unless CACHE_SHARED_ACROSS_KEYS), for requests that ask (`x-gateway-cache: use`) or have
 * `temperature: 0` (CACHE_ZERO_TEMPERATURE); `no-store` bypasses it. A hit is replayed event by
 * event in whatever format the request wants; only an answer that completed is stored.
 */
export class ResponseCache {
  private readonly recentlyParsed = new Map<string, ParsedAnswer>();
  /** A request's JSON text → its key: a repeated request skips the canonical form and the hash. */
  private readonly recentKeys = new Map<string, string>();

  constructor(
    private readonly store: AnswerStore,
    private readonly settings: ResponseCacheSettings,
  ) {}

  get kind(): AnswerStore['kind'] {
    return this.store.kind;
  }

  size(): { entries: number; bytes: number } | null {
    return this.store.size();
  }

  /** Whether the cache may answer the request, and under which key; null when it may not. */
  lookup(command: ChatCommand, directive: CacheDirective): CacheLookup | null {
    if (directive === 'no-store') return null;
    if (directive !== 'use' && !(this.settings.zeroTemperature && command.temperature === 0)) return null;
    const { context, droppedParameters: _dropped, promptCacheKey: _hint, ...request } = command;
    const scope = this.settings.sharedAcrossKeys ? { allowed: context?.allowedModels ?? null } : { client: context?.client ?? null, allowed: context?.allowedModels ?? null };
    // The same JSON text always has the same canonical form, so its key can be remembered.
    const text = JSON.stringify([scope, request]);
    const remembered = this.recentKeys.get(text);
    if (remembered) return { hash: remembered };
    const key = hash('sha256', canonicalJson({ v: 1, scope, request }));
    if (text.length <= KEY_MEMO_MAX_CHARS) {
      if (this.recentKeys.size >= KEYS_KEPT) this.recentKeys.delete(this.recentKeys.keys().next().value!);
      this.recentKeys.set(text, key);
    }
    return { hash: key };
  }

  /** The stored answer (nothing upstream); null: none, expired, unreadable, or its deployment gone. */
  async replay(lookup: CacheLookup, requestId: string, deploymentOf: (key: string) => Deployment | undefined): Promise<CachedAnswer | null> {
    const raw = await this.store.get(lookup.hash);
    const stored = raw === null ? null : this.parsed(lookup.hash, raw);
    const deployment = stored ? deploymentOf(stored.answer.deployment) : undefined;
    if (!stored || !deployment) return null;
    const { answer, events, bytes } = stored;
    const meta: ChatMeta = { requestId, model: deployment.id, provider: deployment.provider, attempts: [], droppedParameters: answer.droppedParameters, cache: 'hit' };
    return { meta, deployment, events, bytes };
  }

  /** A stored answer read and checked once, while the store keeps returning the same text for it. */
  private parsed(hash: string, raw: string): ParsedAnswer | null {
    const known = this.recentlyParsed.get(hash);
    if (known?.raw === raw) return known;
    const answer = parseStored(raw);
    if (!answer) return null;
    const parsed = { raw, answer, events: answer.batches.flat(), bytes: Buffer.byteLength(raw) };
    if (this.recentlyParsed.size >= PARSED_KEPT) this.recentlyParsed.delete(this.recentlyParsed.keys().next().value!);
    this.recentlyParsed.set(hash, parsed);
    return parsed;
  }

  /**
   * The session, its events passed through unchanged; once they end with `done` the answer is
   * stored (`stored` is told its size). An answer cut off, or larger than MAX_CACHED_ANSWER_BYTES, is not.
   */
  record(lookup: CacheLookup, session: ChatSession, stored: (bytes: number) => void): ChatSession {
    const { ttlMs } = this.settings;
    const store = this.store;
    const answer: StoredAnswer = { v: 1, deployment: session.deployment.key, droppedParameters: session.meta.droppedParameters, batches: [] };
    const keep = () => {
      const value = JSON.stringify(answer);
      if (value.length > MAX_CACHED_ANSWER_BYTES) return;
      // A store that fails costs only the next hit.
      store.set(lookup.hash, value, ttlMs).then(() => stored(Buffer.byteLength(value)), () => undefined);
    };
    async function* recording(events: AsyncIterable<ChatEvent[]>): AsyncGenerator<ChatEvent[]> {
      for await (const batch of events) {
        answer.batches.push(batch);
        // Kept as `done` arrives: a reader may stop there without asking for more.
        if (batch.some((event) => event.type === 'done')) keep();
        yield batch;
      }
    }
    return { ...session, meta: { ...session.meta, cache: 'miss' }, events: recording(session.events) };
  }
}

/** JSON with object keys sorted at every level (undefined members left out): the same request always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    if (record[key] !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  }
  return `{${members.join(',')}}`;
}

/** What a store holds is read as untrusted (it may be shared): anything off is a miss. */
function parseStored(raw: string): StoredAnswer | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const answer = parsed as Partial<StoredAnswer>;
  if (answer.v !== 1 || typeof answer.deployment !== 'string' || !Array.isArray(answer.droppedParameters) || !Array.isArray(answer.batches)) return null;
  if (!answer.droppedParameters.every((name) => typeof name === 'string')) return null;
  const events = answer.batches.flat();
  if (!answer.batches.every((batch) => Array.isArray(batch) && batch.length > 0) || !events.every(validEvent)) return null;
  if (events.at(-1)?.type !== 'done') return null;
  return answer as StoredAnswer;
}

function validEvent(event: unknown): event is ChatEvent {
  if (typeof event !== 'object' || event === null) return false;
  const candidate = event as Record<string, unknown>;
  switch (candidate.type) {
    case 'delta':
      return typeof candidate.content === 'string';
    case 'reasoning':
      return typeof candidate.text === 'string';
    case 'tool_calls':
      return Array.isArray(candidate.calls) && candidate.calls.every((call: unknown) => typeof call === 'object' && call !== null && Number.isInteger((call as { index?: unknown }).index));
    case 'done': {
      const usage = candidate.usage as Record<string, unknown> | undefined;
      return typeof candidate.finishReason === 'string' && !!usage && ['promptTokens', 'completionTokens', 'totalTokens'].every((field) => Number.isSafeInteger(usage[field]));
    }
    default:
      return false;
  }
}
