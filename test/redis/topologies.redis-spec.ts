// REDIS_URL's Sentinel and Cluster forms against real set-ups: two replicas find the master
// through a Sentinel, or the slot's owner in a three-node cluster, and share one set of limits.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ModelLimits } from '../../src/config/model-limits.dto.js';
import { ProviderSimulator } from '../support/simulator/provider-simulator.js';
import { eventually, freshUsageWindows, usageOf } from '../support/gateway-client.js';
import { hello, model, postChat, startGateway, type Gateway } from '../support/gateway-harness.js';
import { ClusterSetup, SentinelSetup } from './redis-topologies.js';

let sim: ProviderSimulator;
const running: Gateway[] = [];

beforeAll(async () => {
  sim = new ProviderSimulator();
  await sim.start();
});

afterAll(async () => {
  await sim.stop();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
  sim.reset();
});

const LIMITS: ModelLimits = { requestsPerMinute: 5, requestsPerDay: 1_000_000, tokensPerMinute: 100_000_000, tokensPerDay: 1_000_000_000 };

/** Asserts that two replicas on `redisUrl` admit exactly the limit between them. */
async function expectTwoReplicasToShareOneLimit(redisUrl: string): Promise<void> {
  const replicas = await Promise.all(
    [1, 2].map(() =>
      startGateway({ sim, models: [model('groq', 'only', { limits: LIMITS })], env: { REDIS_URL: redisUrl, REDIS_TIMEOUT_MS: '1000' } }),
    ),
  );
  running.push(...replicas);
  for (const replica of replicas) freshUsageWindows(replica);
  for (const replica of replicas) {
    const ready = (await (await fetch(`${replica.url}/health/ready`)).json()) as { details: { redis: unknown } };
    expect(ready.details.redis).toEqual({ status: 'up', limits: 'shared' });
  }
  sim.setBehaviour('groq', 'only', { kind: 'ok', firstTokenDelayMs: 200 });

  const statuses = await Promise.all(
    Array.from({ length: 30 }, async (_, i) => (await postChat(replicas[i % 2]!, { ...hello, stream: false })).status),
  );

  expect(statuses.filter((status) => status === 200)).toHaveLength(5);
  expect(statuses.filter((status) => status === 429)).toHaveLength(25);
  expect(sim.requestsFor('groq', 'only')).toHaveLength(5);
  await eventually(async () => {
    for (const replica of replicas) expect((await usageOf(replica, 'groq/only')).totals).toMatchObject({ requests: 5, completed: 5, inFlight: 0 });
  });
}

describe('REDIS_URL=redis-sentinel://', () => {
  let sentinel: SentinelSetup;
  beforeAll(async () => {
    sentinel = await SentinelSetup.start();
  }, 30_000);
  afterAll(async () => {
    await sentinel.stop();
  });

  it('finds the master through the Sentinel; two replicas admit exactly the limit between them', async () => {
    await expectTwoReplicasToShareOneLimit(sentinel.url);
    const master = sentinel.master();
    try {
      expect((await master.keys('{llm-gateway}:groq/only:*')).length).toBeGreaterThan(0);
    } finally {
      master.disconnect();
    }
  });
});

describe('REDIS_URL=redis-cluster://', () => {
  let cluster: ClusterSetup;
  beforeAll(async () => {
    cluster = await ClusterSetup.start();
  }, 30_000);
  afterAll(async () => {
    await cluster.stop();
  });

  it('sends every script to the node owning the prefix’s slot; two replicas admit exactly the limit between them', async () => {
    await expectTwoReplicasToShareOneLimit(cluster.url);
    const perNode = await cluster.keysPerNode('{llm-gateway}:*');
    expect(perNode.filter((count) => count > 0)).toHaveLength(1);
  });
});
