// Several gateway replicas (each its own app: own process state, own Redis connection) sharing
// one redis-server and one provider simulator: limits, cooldowns and usage are shared; Redis
// going away is handled by REDIS_FAILURE_MODE; nothing stays reserved.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ModelLimits } from '../../src/config/models.js';
import { ProviderSimulator } from '../simulator/provider-simulator.js';
import { eventually, freshUsageWindows, getUsage, modelView, usageOf } from '../support/gateway-client.js';
import { hello, model, postChat, startGateway, type Gateway } from '../support/gateway-harness.js';
import { RedisServer } from './redis-server.js';

let redis: RedisServer;
let sim: ProviderSimulator;
const running: Gateway[] = [];
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

const GENEROUS: ModelLimits = { requestsPerMinute: 100_000, requestsPerDay: 1_000_000, tokensPerMinute: 100_000_000, tokensPerDay: 1_000_000_000 };

/** `count` replicas sharing one key prefix (a fresh one per test). */
async function replicas(count: number, options: { models: ReturnType<typeof model>[]; env?: Record<string, string> }): Promise<Gateway[]> {
  const prefix = `replicas-${process.pid}-${++prefixes}`;
  const started = await Promise.all(
    Array.from({ length: count }, () =>
      startGateway({
        sim,
        models: options.models,
        env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '10000', ...options.env },
      }),
    ),
  );
  running.push(...started);
  for (const gateway of started) freshUsageWindows(gateway);
  return started;
}

const chat = (gateway: Gateway, body: object = hello) => postChat(gateway, { ...body, stream: false });

describe('limits shared by three replicas', () => {
  it('admits exactly 20 of 200 concurrent requests spread over three replicas for a limit of 20 per minute; the rest get 429 with Retry-After', async () => {
    const gateways = await replicas(3, { models: [model('groq', 'only', { limits: { ...GENEROUS, requestsPerMinute: 20 } })] });
    sim.setBehaviour('groq', 'only', { kind: 'ok', firstTokenDelayMs: 500 });

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

describe('when Redis goes away', () => {
  it('REDIS_FAILURE_MODE=open: keeps serving on per-replica limits with readiness degraded, and shares limits again once Redis is back', async () => {
    const [gateway] = await replicas(1, { models: [model('groq', 'only', { limits: { ...GENEROUS, requestsPerMinute: 3 } })] });
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
