// A burst against two freshly started replicas (cold code, a busy event loop) sharing a healthy
// redis-server with the default REDIS_TIMEOUT_MS: the shared limit holds exactly, in both
// failure modes, and no replica mistakes its own event-loop lag for a Redis outage.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ModelLimits } from '../../src/config/model-limits.dto.js';
import { ProviderSimulator } from '../support/simulator/provider-simulator.js';
import { untilFreshMinute } from '../support/gateway-client.js';
import { hello, model, postChat } from '../support/gateway-harness.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { RedisServer } from './redis-server.js';

let redis: RedisServer;
let sim: ProviderSimulator;
const running: GatewayProcess[] = [];
let prefixes = 0;

beforeAll(async () => {
  redis = await RedisServer.start();
  sim = new ProviderSimulator();
  await sim.start();
});

afterAll(async () => {
  await Promise.all([redis.stop(), sim.stop()]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
  sim.reset();
});

const LIMIT = 10;
const BURST = 300;
const REPETITIONS = 5;
const LIMITS: ModelLimits = { requestsPerMinute: LIMIT, requestsPerDay: 1_000_000, tokensPerMinute: 100_000_000, tokensPerDay: 1_000_000_000 };

/** Two fresh replicas on a fresh key prefix, REDIS_TIMEOUT_MS left at its default. */
async function twoReplicas(failureMode: 'open' | 'closed'): Promise<GatewayProcess[]> {
  const prefix = `burst-${process.pid}-${++prefixes}`;
  const starts = await Promise.allSettled(
    [1, 2].map(() =>
      startGatewayProcess({
        sim,
        models: [model('groq', 'only', { limits: LIMITS })],
        env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, REDIS_FAILURE_MODE: failureMode, UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '10000' },
      }),
    ),
  );
  const started = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
  running.push(...started);
  const failed = starts.find((start) => start.status === 'rejected');
  if (failed) throw failed.reason;
  return started;
}

/** Fires the whole burst at once, alternating replicas; returns the statuses. */
async function burst(gateways: GatewayProcess[]): Promise<number[]> {
  const responses = await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      const response = await postChat(gateways[i % gateways.length]!, { ...hello, stream: false });
      await response.arrayBuffer();
      return response.status;
    }),
  );
  return responses;
}

const count = (statuses: number[], test: (status: number) => boolean) => statuses.filter(test).length;

describe(`a burst of ${BURST} requests on two replicas, shared limit ${LIMIT} per minute, Redis healthy`, { timeout: 240_000 }, () => {
  for (const failureMode of ['open', 'closed'] as const) {
    it(`REDIS_FAILURE_MODE=${failureMode}: admits exactly ${LIMIT} and answers 429 to the rest, ${REPETITIONS} times over, never reporting Redis unreachable`, async () => {
      const outcomes: string[] = [];
      onTestFailed(() => {
        console.error(`outcomes so far: ${outcomes.join('; ')}`);
        for (const [i, gateway] of running.entries()) console.error(`--- replica ${i + 1} (pid ${gateway.pid}) output:\n${gateway.output()}`);
      });
      for (let repetition = 1; repetition <= REPETITIONS; repetition++) {
        await Promise.all(running.splice(0).map((gateway) => gateway.close()));
        const gateways = await twoReplicas(failureMode);
        sim.reset();
        sim.setBehaviour('groq', 'only', { kind: 'ok', firstTokenDelayMs: 50 });
        await untilFreshMinute(20_000);

        const statuses = await burst(gateways);

        const admitted = count(statuses, (status) => status >= 200 && status < 300);
        const limited = count(statuses, (status) => status === 429);
        const unavailable = count(statuses, (status) => status === 503);
        outcomes.push(`#${repetition}: ${admitted} admitted, ${limited} limited, ${unavailable} unavailable`);
        expect({ repetition, admitted, limited, unavailable }).toEqual({ repetition, admitted: LIMIT, limited: BURST - LIMIT, unavailable: 0 });
        expect(sim.requestsFor('groq', 'only')).toHaveLength(LIMIT);
        for (const gateway of gateways) expect(gateway.output()).not.toContain('Redis is unreachable');
      }
    });
  }
});
