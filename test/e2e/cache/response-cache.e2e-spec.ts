// The exact response cache (CACHE=memory) against the simulator: a hit replays the stored answer
// in all five response modes with the same content, no upstream call and no quota; the rules
// (asked for, temperature 0, no-store), isolation between access keys, what is never stored.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../../../src/access/access-key.js';
import { gatewayPerTest, usageOf } from '../../support/gateway-client.js';
import { model, postChat, type Gateway } from '../../support/gateway-harness.js';
import { dataOf, readSse } from '../../support/sse-stream.js';

const start = gatewayPerTest();
const question = { model: 'm', messages: [{ role: 'user', content: 'What is a gateway?' }], temperature: 0 };
const ANSWER = ['A gateway', ' sits in', ' front of', ' providers.'];
const USE = { 'x-gateway-cache': 'use' };

async function cachingGateway(env: Record<string, string> = {}): Promise<Gateway> {
  const gw = await start({ models: [model('groq', 'm')], env: { CACHE: 'memory', ...env } });
  gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ANSWER, usage: { prompt_tokens: 9, completion_tokens: 4 } });
  return gw;
}

/** The parts of each format that are the answer: content in its pieces, finish and usage (not ids or times). */
const modes = {
  async 'chat sse'(gw: Gateway, headers: Record<string, string>) {
    const response = await postChat(gw, question, { ...headers, accept: 'text/event-stream' });
    const events = await readSse(response);
    const meta = dataOf<{ cache?: string }>(events, 'meta')[0];
    return { cache: response.headers.get('x-gateway-cache'), metaCache: meta?.cache, body: [dataOf(events, 'delta'), dataOf(events, 'done')] };
  },
  async 'chat text'(gw: Gateway, headers: Record<string, string>) {
    const response = await postChat(gw, question, { ...headers, accept: 'text/plain' });
    return { cache: response.headers.get('x-gateway-cache'), body: await response.text() };
  },
  async 'chat json'(gw: Gateway, headers: Record<string, string>) {
    const response = await postChat(gw, { ...question, stream: false }, headers);
    const { requestId: _id, ...body } = (await response.json()) as { requestId: string; cache?: string };
    return { cache: response.headers.get('x-gateway-cache'), metaCache: body.cache, body: { ...body, cache: undefined } };
  },
  async 'v1 stream'(gw: Gateway, headers: Record<string, string>) {
    const response = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ ...question, stream: true, stream_options: { include_usage: true } }) });
    const chunks = (await response.text()).split('\n\n').filter((frame) => frame.startsWith('data: {')).map((frame) => JSON.parse(frame.slice(6)) as { choices: unknown[]; usage?: unknown });
    return { cache: response.headers.get('x-gateway-cache'), body: chunks.map((chunk) => [chunk.choices, chunk.usage ?? null]) };
  },
  async 'v1 json'(gw: Gateway, headers: Record<string, string>) {
    const response = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(question) });
    const { choices, usage } = (await response.json()) as { choices: unknown; usage: unknown };
    return { cache: response.headers.get('x-gateway-cache'), body: [choices, usage] };
  },
};

describe('the response cache (CACHE=memory)', () => {
  for (const [name, call] of Object.entries(modes)) {
    it(`${name}: the second identical request is a hit, the same answer, with no upstream call and nothing booked`, async () => {
      const gw = await cachingGateway();
      const first = await call(gw, {});
      expect(first.cache).toBe('miss');
      expect(gw.sim.requests).toHaveLength(1);
      const usageAfterMiss = await usageOf(gw, 'groq/m');

      const second = await call(gw, {});
      expect(second.cache).toBe('hit');
      // /chat SSE and JSON also say so in the body; the other formats have no place for it.
      expect('metaCache' in second ? second.metaCache : 'hit').toBe('hit');
      expect(second.body).toEqual(first.body);
      expect(gw.sim.requests).toHaveLength(1);
      const usage = await usageOf(gw, 'groq/m');
      expect(usage.windows.minute.requests).toBe(usageAfterMiss.windows.minute.requests);
      expect(usage.totals).toEqual(usageAfterMiss.totals);
    });
  }

  it('replays an answer stored through /chat to /v1 and back: the route is not part of the key', async () => {
    const gw = await cachingGateway();
    await modes['chat sse'](gw, {});
    const v1 = await modes['v1 json'](gw, {});
    expect(v1.cache).toBe('hit');
    expect(JSON.stringify(v1.body)).toContain('A gateway sits in front of providers.');
    expect(gw.sim.requests).toHaveLength(1);
  });

  it('serves the openai SDK a streamed hit it reads like any stream, and says so in a header', async () => {
    const gw = await cachingGateway();
    const openai = new OpenAI({ apiKey: 'unused-by-the-gateway', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const read = async () => {
      const { data: stream, response } = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'What is a gateway?' }], temperature: 0, stream: true }).withResponse();
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return { text, cache: response.headers.get('x-gateway-cache') };
    };
    expect(await read()).toEqual({ text: ANSWER.join(''), cache: 'miss' });
    expect(await read()).toEqual({ text: ANSWER.join(''), cache: 'hit' });
    expect(gw.sim.requests).toHaveLength(1);
  });

  it('caches only what asks or has temperature 0, and never what says no-store', async () => {
    const gw = await cachingGateway();
    const warm = { ...question, temperature: 0.7, stream: false };
    for (let i = 0; i < 2; i++) expect((await postChat(gw, warm)).headers.get('x-gateway-cache')).toBeNull();
    expect(gw.sim.requests).toHaveLength(2);
    expect((await postChat(gw, warm, USE)).headers.get('x-gateway-cache')).toBe('miss');
    expect((await postChat(gw, warm, USE)).headers.get('x-gateway-cache')).toBe('hit');
    expect(gw.sim.requests).toHaveLength(3);

    const cold = { ...question, stream: false };
    await postChat(gw, cold);
    for (const headers of [{ 'x-gateway-cache': 'no-store' }, { 'cache-control': 'no-cache, no-store' }] as Array<Record<string, string>>) {
      const bypassed = await postChat(gw, cold, headers);
      expect(bypassed.headers.get('x-gateway-cache')).toBeNull();
    }
    expect(gw.sim.requests).toHaveLength(6);
    const refused = await postChat(gw, cold, { 'x-gateway-cache': 'always' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('x-gateway-cache');
  });

  it('stores no answer that broke off', async () => {
    const gw = await cachingGateway();
    gw.sim.setBehaviour('groq', 'm', { kind: 'drop-mid-stream', afterChunks: 2, content: ANSWER }, { kind: 'ok', content: ANSWER });
    const cut = await readSse(await postChat(gw, question));
    expect(dataOf(cut, 'error')).toHaveLength(1);
    const next = await postChat(gw, { ...question, stream: false });
    expect(next.headers.get('x-gateway-cache')).toBe('miss');
    expect(gw.sim.requests).toHaveLength(2);
  });

  it('counts hits, misses and bytes in /metrics', async () => {
    const gw = await cachingGateway();
    for (let i = 0; i < 3; i++) await (await postChat(gw, { ...question, stream: false })).text();
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('llm_gateway_cache_lookups_total{route="chat",result="miss"} 1');
    expect(metrics).toContain('llm_gateway_cache_lookups_total{route="chat",result="hit"} 2');
    expect(metrics).toMatch(/llm_gateway_cache_bytes_total\{direction="stored"\} [1-9]\d*/);
    expect(metrics).toMatch(/llm_gateway_cache_bytes_total\{direction="served"\} [1-9]\d*/);
  });

  describe('between access keys', () => {
    let directory: string | undefined;
    afterEach(() => {
      if (directory) rmSync(directory, { recursive: true, force: true });
    });

    const withKeys = async (env: Record<string, string> = {}) => {
      const [a, b] = [generateAccessKey(), generateAccessKey()];
      directory = mkdtempSync(join(tmpdir(), 'cache-keys-'));
      const file = join(directory, 'keys.json');
      writeFileSync(file, JSON.stringify([{ name: 'team-a', sha256: hashAccessKey(a) }, { name: 'team-b', sha256: hashAccessKey(b) }]));
      return { gw: await cachingGateway({ GATEWAY_API_KEYS: file, ...env }), a: { authorization: `Bearer ${a}` }, b: { authorization: `Bearer ${b}` } };
    };

    it('passes no answer from one key to another', async () => {
      const { gw, a, b } = await withKeys();
      expect((await postChat(gw, { ...question, stream: false }, a)).headers.get('x-gateway-cache')).toBe('miss');
      expect((await postChat(gw, { ...question, stream: false }, b)).headers.get('x-gateway-cache')).toBe('miss');
      expect((await postChat(gw, { ...question, stream: false }, a)).headers.get('x-gateway-cache')).toBe('hit');
      expect(gw.sim.requests).toHaveLength(2);
    });

    it('shares them with CACHE_SHARED_ACROSS_KEYS=true', async () => {
      const { gw, a, b } = await withKeys({ CACHE_SHARED_ACROSS_KEYS: 'true' });
      await postChat(gw, { ...question, stream: false }, a);
      expect((await postChat(gw, { ...question, stream: false }, b)).headers.get('x-gateway-cache')).toBe('hit');
      expect(gw.sim.requests).toHaveLength(1);
    });
  });
});
