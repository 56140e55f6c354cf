// Gateway replicas as real OS processes, each running the built app (dist/main.js, built by
// `pretest:redis`) with its own event loop, clock and Redis connection, sharing one redis-server
// and one provider simulator (in this process): limits, cooldowns and usage are shared across
// them; Redis going away is handled by REDIS_FAILURE_MODE; nothing stays reserved.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../../src/access/access-key.js';
import type { ModelLimits } from '../../src/config/model-limits.dto.js';
import { ProviderSimulator } from '../support/simulator/provider-simulator.js';
import { eventually, getModels, getUsage, modelView, untilFreshMinute, usageOf } from '../support/gateway-client.js';
import { hello, model, postChat } from '../support/gateway-harness.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { RedisServer } from './redis-server.js';

let redis: RedisServer;
let sim: ProviderSimulator;
const running: GatewayProcess[] = [];
let prefixes = 0;

beforeAll(async () => {
  [redis, sim] = await Promise.all([RedisServer.start(), (async () => {
    const simulator = new ProviderSimulator();
    await simulator.start();
    return simulator;
  })()]);
});

afterAll(async () => {
  await Promise.all([redis.stop(), sim.stop()]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
  sim.reset();
  await redis.restart();
});

// Process start-up, and up to 12 s waiting for a fresh minute, on top of what a test does.
const TEST_TIMEOUT = { timeout: 45_000 };

const GENEROUS: ModelLimits = { requestsPerMinute: 100_000, requestsPerDay: 1_000_000, tokensPerMinute: 100_000_000, tokensPerDay: 1_000_000_000 };

/** `count` gateway processes, started in parallel, sharing one key prefix (a fresh one per test). */
async function replicas(count: number, options: { models: ReturnType<typeof model>[]; env?: Record<string, string> }): Promise<GatewayProcess[]> {
  const prefix = `replicas-${process.pid}-${++prefixes}`;
  const starts = await Promise.allSettled(
    Array.from({ length: count }, () =>
      startGatewayProcess({
        sim,
        models: options.models,
        env: {
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: prefix,
          UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '10000',
          // A new process runs its first requests on cold code, and on a busy 2-core machine its
          // event loop can stall past the default 250 ms: a Redis reply read after that counts as
          // Redis unreachable, and that request is served on the replica's own limits. Here Redis
          // is local and up unless a test kills it, which the gateway sees at once as a dropped
          // connection.
          REDIS_TIMEOUT_MS: '2000',
          ...options.env,
        },
      }),
    ),
  );
  const started = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
  running.push(...started); // closed after the test even when a sibling failed to start
  const failed = starts.find((start) => start.status === 'rejected');
  if (failed) throw failed.reason;
  onTestFailed(() => {
    for (const [i, gateway] of started.entries()) console.error(`--- replica ${i + 1} (pid ${gateway.pid}) output:\n${gateway.output()}`);
  });
  return started;
}

const chat = (gateway: GatewayProcess, body: object = hello) => postChat(gateway, { ...body, stream: false });

describe('limits shared by three replicas', TEST_TIMEOUT, () => {
  it('admits exactly 20 of 200 concurrent requests spread over three replicas for a limit of 20 per minute; the rest get 429 with Retry-After', async () => {
    const gateways = await replicas(3, { models: [model('groq', 'only', { limits: { ...GENEROUS, requestsPerMinute: 20 } })] });
    sim.setBehaviour('groq', 'only', { kind: 'ok', firstTokenDelayMs: 500 });
    await untilFreshMinute();

    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(gateways[i % 3]!)));

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(180);
    for (const response of responses.filter((r) => r.status === 429)) expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(sim.requestsFor('groq', 'only')).toHaveLength(20);
  });

  it('falls back to another deployment once the shared limit of the first is used up', async () => {
    const gateways = await replicas(3, {
      models: [
        model('groq', 'small', { priority: 1, limits: { ...GENEROUS, requestsPerMinute: 20 } }),
        model('cerebras', 'big', { priority: 2, limits: GENEROUS }),
      ],
      env: { ROTATION_STRATEGY: 'priority' },
    });
    sim.setBehaviour('groq', 'small', { kind: 'ok', firstTokenDelayMs: 300 });
    await untilFreshMinute();

    const responses = await Promise.all(Array.from({ length: 90 }, (_, i) => chat(gateways[i % 3]!)));

    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(sim.requestsFor('groq', 'small')).toHaveLength(20);
    expect(sim.requestsFor('cerebras', 'big')).toHaveLength(70);
  });

  it('shares a 429 cooldown: replica B skips the deployment replica A learned is rate limited, without calling it', async () => {
    const [a, b] = await replicas(2, {
      models: [model('groq', 'first', { priority: 1, limits: GENEROUS }), model('cerebras', 'second', { priority: 2, limits: GENEROUS })],
      env: { ROTATION_STRATEGY: 'priority' },
    });
    sim.setBehaviour('groq', 'first', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    expect((await chat(a!)).status).toBe(200);
    expect(sim.requestsFor('groq', 'first')).toHaveLength(1);

    await eventually(async () => {
      const response = await chat(b!);
      expect(response.status).toBe(200);
      expect(sim.requestsFor('groq', 'first')).toHaveLength(1);
    });
  });

  it("shares the provider's own report of a used-up window: replica B skips the deployment until the reported reset", async () => {
    const [a, b] = await replicas(2, {
      models: [model('groq', 'first', { priority: 1, limits: GENEROUS }), model('cerebras', 'second', { priority: 2, limits: GENEROUS })],
      env: { ROTATION_STRATEGY: 'priority' },
    });
    sim.setRateLimitHeaders('groq', 'first', { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '45s' });
    expect((await chat(a!)).status).toBe(200);
    expect(sim.requestsFor('groq', 'first')).toHaveLength(1);

    await eventually(async () => {
      expect((await chat(b!)).status).toBe(200);
      expect(sim.requestsFor('groq', 'first')).toHaveLength(1);
    });
    expect(sim.requestsFor('cerebras', 'second').length).toBeGreaterThanOrEqual(1);
  });

  it('shows the same usage on every replica once the provider has reported it', async () => {
    const gateways = await replicas(3, { models: [model('groq', 'only', { limits: GENEROUS })] });
    sim.setBehaviour('groq', 'only', { kind: 'ok', usage: { prompt_tokens: 11, completion_tokens: 22 } });
    await untilFreshMinute();

    for (const gateway of gateways) expect((await chat(gateway)).status).toBe(200);

    await eventually(async () => {
      const views = await Promise.all(gateways.map((gateway) => usageOf(gateway, 'groq/only')));
      for (const view of views) {
        expect(view.windows.minute).toMatchObject({ requests: 3, promptTokens: 33, completionTokens: 66, reservedTokens: 0 });
        expect(view.totals).toMatchObject({ requests: 3, completed: 3, promptTokens: 33, completionTokens: 66, inFlight: 0 });
      }
    });
  });

  it('leaves no reservation in Redis after successes, upstream failures and client aborts', async () => {
    const gateways = await replicas(3, {
      models: [model('groq', 'ok', { limits: GENEROUS }), model('groq', 'fails', { limits: GENEROUS }), model('cerebras', 'slow', { limits: GENEROUS })],
      env: { AUTO_FALLBACK: 'false', CIRCUIT_BREAKER_ENABLED: 'false' },
    });
    sim.setBehaviour('groq', 'fails', { kind: 'error', status: 500 });
    sim.setBehaviour('cerebras', 'slow', { kind: 'ok', firstTokenDelayMs: 50, interChunkDelayMs: 100, content: ['a', 'b', 'c', 'd', 'e'] });

    const runs: Array<Promise<unknown>> = [];
    for (let i = 0; i < 9; i++) {
      const gateway = gateways[i % 3]!;
      runs.push(chat(gateway, { ...hello, model: 'groq/ok' }).then((r) => r.text()));
      runs.push(chat(gateway, { ...hello, model: 'groq/fails' }).then((r) => r.text()));
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 30 + i * 40);
      runs.push(postChat(gateway, { ...hello, model: 'cerebras/slow' }, {}, controller.signal).then((r) => r.text()).catch(() => 'aborted'));
    }
    await Promise.all(runs);

    const client = redis.client();
    try {
      await eventually(async () => {
        const keys = await client.keys('*');
        const windows = keys.filter((key) => /:(minute|hour|day):\d+$/.test(key));
        expect(windows.length).toBeGreaterThan(0);
        const reserved = await Promise.all(windows.map(async (key) => Number((await client.hget(key, 't')) ?? 0)));
        expect(reserved.every((tokens) => tokens === 0)).toBe(true);
        expect(keys.filter((key) => key.endsWith(':inflight'))).toEqual([]);
      }, 5_000);
    } finally {
      client.disconnect();
    }
    const usage = await getUsage(gateways[0]!);
    expect(usage.totals.inFlight).toBe(0);
  });
});

describe('rotation and what /models reports, shared by replicas', TEST_TIMEOUT, () => {
  const three = [model('groq', 'a', { limits: GENEROUS }), model('groq', 'b', { limits: GENEROUS }), model('cerebras', 'c', { limits: GENEROUS })];
  const answeredBy = async (response: Response) => {
    expect(response.status).toBe(200);
    const body = (await response.json()) as { provider: string; model: string };
    return `${body.provider}/${body.model}`;
  };

  it('round-robin: requests taking turns over two replicas continue one rotation', async () => {
    const [a, b] = await replicas(2, { models: three, env: { ROTATION_STRATEGY: 'round-robin' } });
    const served: string[] = [];
    for (let i = 0; i < 6; i++) served.push(await answeredBy(await chat(i % 2 === 0 ? a! : b!)));
    // Each replica rotating on its own would give groq/a, groq/a, groq/b, groq/b, ...
    expect(served).toEqual(['groq/a', 'groq/b', 'cerebras/c', 'groq/a', 'groq/b', 'cerebras/c']);
  });

  it("GET /models on every replica names a model's next pick from the shared rotation, and moves past a deployment cooling down", async () => {
    const grouped = three.map((entry) => ({ ...entry, model: 'shared' }));
    const [a, b] = await replicas(2, { models: grouped, env: { ROTATION_STRATEGY: 'round-robin' } });
    const nextPick = async (gateway: GatewayProcess) => (await getModels(gateway)).groups.find((group) => group.model === 'shared')!.nextPick;
    expect(await nextPick(b!)).toBe('groq/a');
    expect(await answeredBy(await chat(a!, { ...hello, model: 'shared' }))).toBe('groq/a');
    // Asking moves nothing: B still names the deployment its next request goes to.
    expect(await nextPick(b!)).toBe('groq/b');
    expect(await nextPick(a!)).toBe('groq/b');
    expect(await answeredBy(await chat(b!, { ...hello, model: 'shared' }))).toBe('groq/b');

    expect(await nextPick(b!)).toBe('cerebras/c');
    sim.setBehaviour('cerebras', 'c', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    expect(await answeredBy(await chat(a!, { ...hello, model: 'shared' }))).toBe('groq/a');
    expect(await answeredBy(await chat(b!, { ...hello, model: 'shared' }))).toBe('groq/a');
    expect(await answeredBy(await chat(a!, { ...hello, model: 'shared' }))).toBe('groq/b');
    // The rotation is at cerebras/c again, which cools down after its 429 (learned by replica A).
    await eventually(async () => expect(await nextPick(b!)).toBe('groq/a'));
  });

  it('latency: every replica ranks by the answers of all of them, and shows the shared estimate', async () => {
    const pair = [model('groq', 'a', { model: 'm', limits: GENEROUS }), model('cerebras', 'b', { model: 'm', limits: GENEROUS })];
    const [a, b] = await replicas(2, { models: pair, env: { ROTATION_STRATEGY: 'latency', LATENCY_EXPLORATION: '0' } });
    sim.setBehaviour('groq', 'a', { kind: 'ok', firstTokenDelayMs: 150 });
    sim.setBehaviour('cerebras', 'b', { kind: 'ok', firstTokenDelayMs: 10 });
    // Replica A tries both (no estimates yet) and learns Groq is slow.
    expect([await answeredBy(await chat(a!, { ...hello, model: 'm' })), await answeredBy(await chat(a!, { ...hello, model: 'm' }))]).toEqual(['groq/a', 'cerebras/b']);
    // Replica B never served either, yet goes straight to the faster one once the shared figures reach it.
    await eventually(async () => expect((await modelView(b!, 'groq/a')).latency?.answers).toBe(1), 3_000);
    expect((await modelView(b!, 'groq/a')).latency!.timeToFirstTokenMs).toBeGreaterThan(100);
    expect(await answeredBy(await chat(b!, { ...hello, model: 'm' }))).toBe('cerebras/b');
    await eventually(async () => expect((await modelView(a!, 'cerebras/b')).latency?.answers).toBe(2), 3_000);
  });

  it('least-used: ranks by the counts of every replica, not its own', async () => {
    const [a, b] = await replicas(2, { models: three.slice(0, 2), env: { ROTATION_STRATEGY: 'least-used' } });
    await untilFreshMinute();
    const served: string[] = [];
    for (let i = 0; i < 4; i++) served.push(await answeredBy(await chat(i % 2 === 0 ? a! : b!)));
    // On its own counts replica B would start with groq/a again.
    expect(served).toEqual(['groq/a', 'groq/b', 'groq/a', 'groq/b']);
  });

  it("shows on replica B the provider's latest report and the cooldown replica A learned", async () => {
    const [a, b] = await replicas(2, {
      models: [model('groq', 'first', { priority: 1, limits: GENEROUS }), model('cerebras', 'second', { priority: 2, limits: GENEROUS })],
      env: { ROTATION_STRATEGY: 'priority' },
    });
    sim.setRateLimitHeaders('groq', 'first', { 'x-ratelimit-limit-requests': '1000', 'x-ratelimit-remaining-requests': '742' });
    expect((await chat(a!)).status).toBe(200);
    await eventually(async () => {
      const view = await modelView(b!, 'groq/first');
      expect(view.rateLimit?.windows).toContainEqual(expect.objectContaining({ resource: 'requests', limit: 1000, remaining: 742 }));
    });

    sim.setBehaviour('groq', 'first', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    expect((await chat(a!)).status).toBe(200);
    await eventually(async () => {
      const until = Date.parse((await modelView(b!, 'groq/first')).cooldownUntil ?? '');
      expect(until - Date.now()).toBeGreaterThan(20_000);
    });
  });
});

describe("the dashboard's requests and charts, shared by replicas", TEST_TIMEOUT, () => {
  interface DashboardData {
    activityScope: string;
    recentRequests: Array<{ requestId: string; deployment: string | null; failedAttempts: Array<{ deployment: string; reason: string }> }>;
    traffic: Array<{ requests: { completed: number }; fallbacks: number; timeToFirstToken: Array<{ deployment: string; count: number }> }>;
  }
  const dashboard = async (gateway: GatewayProcess) => {
    const response = await fetch(`${gateway.url}/dashboard/data`);
    expect(response.status).toBe(200);
    return (await response.json()) as DashboardData;
  };
  const sum = (data: DashboardData, pick: (minute: DashboardData['traffic'][number]) => number) => data.traffic.reduce((total, minute) => total + pick(minute), 0);

  it('shows on every replica the requests, fallbacks and timings of all of them; skips what in Redis does not parse; shows its own while Redis is gone', async () => {
    const models = [model('groq', 'first', { model: 'shared', priority: 1, limits: GENEROUS }), model('cerebras', 'second', { model: 'shared', priority: 2, limits: GENEROUS })];
    const [a, b] = await replicas(2, { models, env: { ROTATION_STRATEGY: 'priority' } });
    for (let i = 0; i < 3; i++) expect((await chat(a!, { ...hello, model: 'shared' })).status).toBe(200);
    sim.setBehaviour('groq', 'first', { kind: 'error', status: 500 });
    expect((await chat(b!, { ...hello, model: 'shared' })).status).toBe(200);
    // Garbage under the list's key (another program, a corrupted write) is passed over, not served.
    const client = redis.client();
    try {
      const list = `{replicas-${process.pid}-${prefixes}}:dashboard:requests`;
      // Each replica records a finished request off its request path: the last may land a moment later.
      await eventually(async () => expect(await client.llen(list)).toBe(4));
      await client.lpush(list, 'not json', JSON.stringify({ requestId: 7 }));
    } finally {
      client.disconnect();
    }

    for (const gateway of [a!, b!]) {
      const data = await eventually(async () => {
        const read = await dashboard(gateway);
        expect(read.recentRequests).toHaveLength(4);
        return read;
      });
      expect(data.activityScope).toBe('shared');
      expect(data.recentRequests[0]).toMatchObject({ deployment: 'cerebras/second', failedAttempts: [{ deployment: 'groq/first', reason: 'server_error' }] });
      expect(sum(data, (minute) => minute.requests.completed)).toBe(4);
      expect(sum(data, (minute) => minute.fallbacks)).toBe(1);
      const answered = data.traffic.flatMap((minute) => minute.timeToFirstToken);
      expect(answered.filter((entry) => entry.deployment === 'groq/first').reduce((total, entry) => total + entry.count, 0)).toBe(3);
    }

    await redis.kill();
    const own = await dashboard(b!);
    expect(own.activityScope).toBe('replica');
    expect(own.recentRequests).toHaveLength(1);
    expect(sum(own, (minute) => minute.fallbacks)).toBe(1);
  });
});

describe('the response cache shared by replicas (CACHE=redis)', TEST_TIMEOUT, () => {
  it('answers on replica B from what replica A stored, with no upstream call, in another format', async () => {
    const [a, b] = await replicas(2, { models: [model('groq', 'only', { limits: GENEROUS })], env: { CACHE: 'redis' } });
    const body = { ...hello, temperature: 0 };
    const first = await chat(a!, body);
    expect(first.headers.get('x-gateway-cache')).toBe('miss');
    const { content } = (await first.json()) as { content: string };
    const stream = await postChat(b!, body, { accept: 'text/plain' });
    expect(stream.headers.get('x-gateway-cache')).toBe('hit');
    expect(await stream.text()).toBe(content);
    expect(sim.requestsFor('groq', 'only')).toHaveLength(1);
  });
});

describe('Responses API items shared by replicas', TEST_TIMEOUT, () => {
  it('resolves on replica B a reference to the message replica A sent', async () => {
    const [a, b] = await replicas(2, { models: [model('groq', 'only', { limits: GENEROUS })] });
    sim.setBehaviour('groq', 'only', { kind: 'ok', content: ['Paris.'] }, { kind: 'ok', content: ['About 2 million.'] });
    const ask = (gateway: typeof a, input: unknown) =>
      fetch(`${gateway!.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'only', input }) });
    const first = (await (await ask(a, 'Capital of France?')).json()) as { output: Array<{ id: string }> };
    const second = await ask(b, [{ role: 'user', content: 'Capital of France?' }, { type: 'item_reference', id: first.output[0]!.id }, { role: 'user', content: 'Its population?' }]);
    expect(second.status).toBe(200);
    expect((sim.requestsFor('groq', 'only').at(-1)!.body as { messages: unknown[] }).messages[1]).toEqual({ role: 'assistant', content: 'Paris.' });

    // Streamed: the items are stored before the last event leaves, so the very next request may name them anywhere.
    sim.setBehaviour('groq', 'only', { kind: 'ok', content: ['Lyon', ' next.'] }, { kind: 'ok', content: ['Fine.'] });
    const streamed = await fetch(`${a!.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'only', input: 'Another city?', stream: true }) });
    const id = /"item":\{"type":"message","id":"([^"]+)"/.exec(await streamed.text())![1]!;
    expect((await ask(b, [{ type: 'item_reference', id }, { role: 'user', content: 'Why?' }])).status).toBe(200);
    expect((sim.requestsFor('groq', 'only').at(-1)!.body as { messages: unknown[] }).messages[0]).toEqual({ role: 'assistant', content: 'Lyon next.' });
  });
});

describe('access keys shared by replicas', TEST_TIMEOUT, () => {
  it("holds a key's requestsPerMinute across replicas, and every replica reports the same per-key usage", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'replica-keys-'));
    const [limitedKey, openKey] = [generateAccessKey(), generateAccessKey()];
    const keysFile = join(directory, 'keys.json');
    writeFileSync(
      keysFile,
      JSON.stringify([
        { name: 'team-a', sha256: hashAccessKey(limitedKey), limits: { requestsPerMinute: 3 } },
        { name: 'team-b', sha256: hashAccessKey(openKey), admin: true },
      ]),
    );
    try {
      const [a, b] = await replicas(2, { models: [model('groq', 'only', { limits: GENEROUS })], env: { GATEWAY_API_KEYS: keysFile } });
      await untilFreshMinute();
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await postChat(i % 2 === 0 ? a! : b!, { ...hello, stream: false }, { 'x-api-key': limitedKey })).status);
      for (let i = 0; i < 4; i++) expect((await postChat(i % 2 === 0 ? a! : b!, { ...hello, stream: false }, { 'x-api-key': openKey })).status).toBe(200);

      // Each replica on its own counts would admit 3 each.
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
      await eventually(async () => {
        for (const replica of [a!, b!]) {
          const usage = (await (await fetch(`${replica.url}/usage`, { headers: { 'x-api-key': openKey } })).json()) as {
            clients: Array<{ name: string; requests: number; rejected: number; minute: { requests: number } }>;
          };
          expect(usage.clients).toEqual([
            expect.objectContaining({ name: 'team-a', requests: 3, rejected: 5, minute: expect.objectContaining({ requests: 3 }) }),
            expect.objectContaining({ name: 'team-b', requests: 4, rejected: 0 }),
          ]);
        }
      });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('when Redis goes away', TEST_TIMEOUT, () => {
  it('REDIS_FAILURE_MODE=open: keeps serving on per-replica limits with readiness degraded, and shares limits again once Redis is back', async () => {
    const [gateway] = await replicas(1, { models: [model('groq', 'only', { limits: { ...GENEROUS, requestsPerMinute: 3 } })] });
    await untilFreshMinute();
    expect((await chat(gateway!)).status).toBe(200);

    await redis.kill();
    expect((await chat(gateway!)).status).toBe(200);
    const ready = await fetch(`${gateway!.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ details: { redis: { status: 'up', degraded: true } } });

    await redis.restart();
    await eventually(async () => {
      const body = (await (await fetch(`${gateway!.url}/health/ready`)).json()) as { details: { redis: Record<string, unknown> } };
      expect(body.details.redis).toEqual({ status: 'up', limits: 'shared' });
    }, 10_000);
    // Counted in the (empty) restarted Redis again, and /usage reads it from there.
    expect((await chat(gateway!)).status).toBe(200);
    await eventually(async () => expect((await usageOf(gateway!, 'groq/only')).windows.minute.requests).toBe(1));
    // This replica's own count (3 of 3) still holds too: limits are never looser after an outage.
    expect((await chat(gateway!)).status).toBe(429);
  });

  it('REDIS_FAILURE_MODE=closed: refuses chat requests with 503 and is not ready until Redis is back, with no restart', async () => {
    const [gateway] = await replicas(1, { models: [model('groq', 'only', { limits: GENEROUS })], env: { REDIS_FAILURE_MODE: 'closed' } });
    expect((await chat(gateway!)).status).toBe(200);

    await redis.kill();
    const refused = await chat(gateway!);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'limits_unavailable' } });
    expect((await fetch(`${gateway!.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${gateway!.url}/health/live`)).status).toBe(200);
    expect(sim.requestsFor('groq', 'only')).toHaveLength(1);

    await redis.restart();
    await eventually(async () => expect((await chat(gateway!)).status).toBe(200), 10_000);
    expect((await fetch(`${gateway!.url}/health/ready`)).status).toBe(200);
  });

  it('answers within REDIS_TIMEOUT_MS-bounded time while Redis is down, never hanging', async () => {
    const [gateway] = await replicas(1, { models: [model('groq', 'only', { limits: GENEROUS })], env: { REDIS_TIMEOUT_MS: '100' } });
    await redis.kill();
    const started = performance.now();
    expect((await chat(gateway!)).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect((await modelView(gateway!, 'groq/only')).available).toBe(true);
  });
});
