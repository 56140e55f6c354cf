import type { Provider } from '@nestjs/common';
import { AnswerStore, MemoryAnswerStore, RedisAnswerStore } from '../chat/cache/answer-store.js';
import { RedisConnection } from '../redis/redis-connection.js';
import type { OutputItem } from './response-objects.js';
import { REASONING_ITEM_PREFIX } from './responses-request.mapper.js';

/** How long a response's items can be referred to. */
export const ITEM_MEMORY_TTL_MS = 60 * 60_000;
/** What one replica keeps of them without REDIS_URL, least recently used out first. */
export const ITEM_MEMORY_MAX_BYTES = 32 * 1024 * 1024;

/** An item as kept: what the conversation needs of it when it comes back. */
type RememberedItem = { type: 'message'; text: string } | { type: 'function_call'; call_id: string; name: string; arguments: string };

/**
 * The output items this gateway sent, for an hour, so a client that sends one back by reference
 * (`item_reference`, as the Vercel AI SDK does with an earlier answer unless told `store: false`)
 * is answered as if it had sent the item itself. Messages and function calls, per access key (a
 * key cannot read another's); reasoning items are not kept, a reference to one being ignored
 * anyway. With REDIS_URL every replica resolves every replica's items; without it, its own.
 * Nothing else of a response is kept: `previous_response_id` stays refused.
 */
export class ResponseItemMemory {
  constructor(private readonly store: AnswerStore) {}

  /**
   * Keeps the finished items of an answer. Awaited before the answer's last bytes leave: a client
   * may send them back at once (a tool loop), to another replica. A store that fails costs only
   * that later reference (a 400 that says to send the item itself).
   */
  async remember(client: string | null, items: readonly OutputItem[]): Promise<void> {
    const kept = items.flatMap((item) => {
      const form = keptForm(item);
      return form ? [this.store.set(scoped(client, item.id), JSON.stringify(form), ITEM_MEMORY_TTL_MS).catch(() => undefined)] : [];
    });
    await Promise.all(kept);
  }

  /**
   * `input` with each reference to a remembered item replaced by the item; a reference to anything
   * else is left for the request's mapping to refuse.
   */
  async expand(input: string | Array<Record<string, unknown>>, client: string | null): Promise<string | Array<Record<string, unknown>>> {
    if (typeof input === 'string' || !input.some(isExpandable)) return input;
    return Promise.all(
      input.map(async (item) => {
        if (!isExpandable(item)) return item;
        const kept = parseKept(await this.store.get(scoped(client, item.id as string)));
        if (!kept) return item;
        return kept.type === 'message'
          ? { type: 'message', role: 'assistant', content: kept.text }
          : { type: 'function_call', call_id: kept.call_id, name: kept.name, arguments: kept.arguments };
      }),
    );
  }
}

export const responseItemMemoryProvider: Provider = {
  provide: ResponseItemMemory,
  inject: [RedisConnection],
  useFactory: (connection: RedisConnection) => {
    const shared = connection.responseItemStore();
    return new ResponseItemMemory(shared ? new RedisAnswerStore(connection, shared) : new MemoryAnswerStore(ITEM_MEMORY_MAX_BYTES));
  },
};

function isExpandable(item: Record<string, unknown>): boolean {
  return item.type === 'item_reference' && typeof item.id === 'string' && !item.id.startsWith(REASONING_ITEM_PREFIX);
}

function scoped(client: string | null, id: string): string {
  // Key names are [A-Za-z0-9._-]: ':' cannot occur in one.
  return `${client ?? ''}:${id}`;
}

function keptForm(item: OutputItem): RememberedItem | null {
  if (item.type === 'message') return { type: 'message', text: item.content.map((part) => part.text).join('') };
  if (item.type === 'function_call') return { type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments };
  return null;
}

/** What a store holds is read as untrusted (it may be shared): anything off is no item. */
function parseKept(raw: string | null): RememberedItem | null {
  if (raw === null) return null;
  try {
    const item = JSON.parse(raw) as Record<string, unknown>;
    if (item.type === 'message' && typeof item.text === 'string') return { type: 'message', text: item.text };
    const { call_id, name, arguments: args } = item;
    if (item.type === 'function_call' && typeof call_id === 'string' && typeof name === 'string' && typeof args === 'string') {
      return { type: 'function_call', call_id, name, arguments: args };
    }
  } catch {
    // Not JSON: no item.
  }
  return null;
}
