import { Logger } from '@nestjs/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccessKeys } from '../../access/access-keys.js';
import type { ClientUsage } from '../../access/client-usage.js';
import { AccessKeyLimitedError } from '../../common/errors/gateway-errors.js';
import type { ChatSession } from '../chat-command.js';
import type { ChatRouteBinding } from '../chat-route-binding.js';
import type { ChatService } from '../chat.service.js';
import { ChatRequestDto } from '../dto/chat-request.dto.js';
import { toChatCommand } from '../chat-request.mapper.js';
import { CachedAnswerShortcut } from './cached-answer.shortcut.js';
import type { CachedAnswer, ResponseCache } from './response-cache.js';

const answer = { bytes: 10 } as CachedAnswer;
const session = { meta: { requestId: 'r' } } as ChatSession;
const body = JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] });

interface Setup {
  findCached?: () => Promise<CachedAnswer | null>;
  keysRequired?: boolean;
  admit?: () => Promise<void>;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  vi.restoreAllMocks();
});

/** A Fastify app with a /chat route ("pipeline") and the shortcut in front of it. */
async function shortcutFor({ findCached = async () => answer, keysRequired = false, admit = async () => undefined }: Setup) {
  app = Fastify();
  const calls = { pipeline: 0, respond: 0, findCached: 0, admit: 0 };
  app.post('/chat', async () => {
    calls.pipeline += 1;
    return { from: 'pipeline' };
  });
  const chat = {
    findCached: async () => {
      calls.findCached += 1;
      return findCached();
    },
    startCached: () => session,
  } as unknown as ChatService;
  const keys = { required: keysRequired, identify: (presented: string) => (presented === 'good' ? { name: 'team', limits: {}, models: null, admin: false } : null) } as unknown as AccessKeys;
  const usage = {
    admit: async () => {
      calls.admit += 1;
      return admit();
    },
  } as unknown as ClientUsage;
  const config = { get: (name: string) => ({ MAX_MESSAGES: 256, CACHE_ZERO_TEMPERATURE: true })[name] };
  const shortcut = new CachedAnswerShortcut({ httpAdapter: { getInstance: () => app } } as never, chat, keys, usage, config as never, {} as ResponseCache);
  const binding: ChatRouteBinding<ChatRequestDto> = {
    route: 'chat',
    path: '/chat',
    body: ChatRequestDto,
    toCommand: toChatCommand,
    respond: async (_session, _body, _request, reply) => {
      calls.respond += 1;
      await reply.send({ from: 'cache' });
    },
  };
  shortcut.register(binding);
  shortcut.onModuleInit();
  const post = async (headers: Record<string, string> = {}) =>
    (await app!.inject({ method: 'POST', url: '/chat', payload: body, headers: { 'content-type': 'application/json', 'x-gateway-cache': 'use', ...headers } })).json<{ from: string }>().from;
  return { calls, post };
}

describe('CachedAnswerShortcut', () => {
  it('serves a stored answer through the route binding, and the route handler does not run', async () => {
    const { calls, post } = await shortcutFor({});
    expect(await post()).toBe('cache');
    expect(calls).toMatchObject({ pipeline: 0, respond: 1 });
  });

  it('leaves a miss, and a request that does not ask for the cache, to the pipeline', async () => {
    const { calls, post } = await shortcutFor({ findCached: async () => null });
    expect(await post()).toBe('pipeline');
    expect(await post({ 'x-gateway-cache': 'no-store' })).toBe('pipeline');
    expect(calls).toMatchObject({ pipeline: 2, respond: 0, findCached: 1 });
  });

  it('with access keys: no lookup without a known key; a known key is admitted only on a hit; a refused admission goes to the pipeline', async () => {
    const open = await shortcutFor({ keysRequired: true });
    expect(await open.post()).toBe('pipeline');
    expect(await open.post({ authorization: 'Bearer wrong' })).toBe('pipeline');
    expect(open.calls).toMatchObject({ findCached: 0, admit: 0 });
    expect(await open.post({ authorization: 'Bearer good' })).toBe('cache');
    expect(open.calls).toMatchObject({ findCached: 1, admit: 1 });
    await app!.close();

    const limited = await shortcutFor({ keysRequired: true, admit: async () => Promise.reject(new AccessKeyLimitedError('requestsPerMinute', 3, 10)) });
    expect(await limited.post({ authorization: 'Bearer good' })).toBe('pipeline');
    expect(limited.calls).toMatchObject({ admit: 1, respond: 0, pipeline: 1 });
  });

  it('an unexpected fault is logged and the pipeline still serves the request', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { calls, post } = await shortcutFor({ findCached: async () => Promise.reject(new TypeError('store broke')) });
    expect(await post()).toBe('pipeline');
    expect(calls.pipeline).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('store broke'));
  });
});
