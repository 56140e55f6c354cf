// Cache hits are answered before Nest's pipeline (src/chat/cache/cached-answer.shortcut.ts): no
// validation pipe, no route handler. These pin that they skip it, and that they still get every
// check and every header the pipeline would give them: access keys and their requestsPerMinute,
// body validation, the security headers; anything doubtful is left to the pipeline.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../../../src/access/access-key.js';
import { GatewayValidationPipe } from '../../../src/common/http/validation.pipe.js';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model, postChat, type Gateway } from '../../support/gateway-harness.js';

const start = gatewayPerTest();
const question = { model: 'm', messages: [{ role: 'user', content: 'What is a gateway?' }], temperature: 0 };
const ANSWER = ['A gateway', ' sits in', ' front of', ' providers.'];

async function cachingGateway(env: Record<string, string> = {}): Promise<Gateway> {
  const gw = await start({ models: [model('groq', 'm')], env: { CACHE: 'memory', ...env } });
  gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ANSWER, usage: { prompt_tokens: 9, completion_tokens: 4 } });
  return gw;
}

/** How many bodies the validation pipe has seen since the last call. */
function validationCounter(): () => number {
  const spy = vi.spyOn(GatewayValidationPipe.prototype, 'transform');
  return () => {
    const calls = spy.mock.calls.filter(([, metadata]) => metadata.type === 'body').length;
    spy.mockClear();
    return calls;
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('cache hits answered before the pipeline', () => {
  it('serves a hit without the validation pipe, with the headers a pipeline response has', async () => {
    const gw = await cachingGateway();
    const validated = validationCounter();
    const miss = await postChat(gw, question, { accept: 'text/event-stream' });
    await miss.text();
    expect(validated()).toBe(1);

    const hit = await postChat(gw, question, { accept: 'text/event-stream', 'x-request-id': 'hit-1' });
    const body = await hit.text();
    expect(validated()).toBe(0);
    expect(hit.headers.get('x-gateway-cache')).toBe('hit');
    expect(hit.headers.get('x-request-id')).toBe('hit-1');
    expect(body).toContain('"requestId":"hit-1"');
    const names = (response: Response) => [...response.headers.keys()].filter((name) => name !== 'date').sort();
    expect(names(hit)).toEqual(names(miss));
    expect(hit.headers.get('content-security-policy')).toBe(miss.headers.get('content-security-policy'));
    expect(gw.sim.requests).toHaveLength(1);
  });

  it('serves hits on /v1/chat/completions the same way', async () => {
    const gw = await cachingGateway();
    const validated = validationCounter();
    const ask = () => fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(question) });
    const miss = await ask();
    const first = (await miss.json()) as { choices: unknown };
    expect(validated()).toBe(1);
    const hit = await ask();
    expect(hit.headers.get('x-gateway-cache')).toBe('hit');
    expect(((await hit.json()) as { choices: unknown }).choices).toEqual(first.choices);
    expect(validated()).toBe(0);
  });

  it('serves hits on /v1/responses the same way', async () => {
    const gw = await cachingGateway();
    const validated = validationCounter();
    const ask = () => fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'What is a gateway?', temperature: 0 }) });
    const miss = await ask();
    // Each response has its own ids: the content is what must match.
    const contentOf = (body: unknown) => (body as { output: Array<{ type: string; content: unknown }> }).output.map(({ type, content }) => ({ type, content }));
    const first = contentOf(await miss.json());
    expect(validated()).toBe(1);
    const hit = await ask();
    expect(hit.headers.get('x-gateway-cache')).toBe('hit');
    expect(contentOf(await hit.json())).toEqual(first);
    expect(JSON.stringify(first)).toContain('A gateway sits in front of providers.');
    expect(validated()).toBe(0);
  });

  it('leaves to the pipeline a stored request it cannot vouch for: an unknown field is still a 400', async () => {
    const gw = await cachingGateway();
    await (await postChat(gw, { ...question, stream: false })).text();
    const refused = await postChat(gw, { ...question, stream: false, temprature: 0.5 });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('temprature is not a supported parameter');
  });

  describe('with access keys', () => {
    let directory: string | undefined;
    afterEach(() => {
      if (directory) rmSync(directory, { recursive: true, force: true });
    });

    it('a hit still needs a known key, and counts against its requestsPerMinute', async () => {
      const key = generateAccessKey();
      directory = mkdtempSync(join(tmpdir(), 'cache-shortcut-'));
      const file = join(directory, 'keys.json');
      writeFileSync(file, JSON.stringify([{ name: 'team-a', sha256: hashAccessKey(key), limits: { requestsPerMinute: 3 } }]));
      const gw = await cachingGateway({ GATEWAY_API_KEYS: file });
      const validated = validationCounter();
      const auth = { authorization: `Bearer ${key}` };
      const ask = (headers: Record<string, string>) => postChat(gw, { ...question, stream: false }, headers);

      expect((await ask(auth)).headers.get('x-gateway-cache')).toBe('miss');
      expect(validated()).toBe(1);
      expect((await ask({})).status).toBe(401);
      expect((await ask({ authorization: `Bearer ${generateAccessKey()}` })).status).toBe(401);
      expect(validated()).toBe(0);
      for (let i = 0; i < 2; i++) {
        const hit = await ask(auth);
        expect(hit.status).toBe(200);
        expect(hit.headers.get('x-gateway-cache')).toBe('hit');
      }
      expect(validated()).toBe(0);
      // The fourth request of the minute: refused though its answer is stored.
      const limited = await ask(auth);
      expect(limited.status).toBe(429);
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
      expect(gw.sim.requests).toHaveLength(1);
    });
  });
});
