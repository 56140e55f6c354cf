// Reservations nobody will settle: a settle that could not reach Redis during an outage, a
// replica killed mid-request. Neither may hold a place in the shared windows until the
// 15-minute lease runs out: the settle is sent once Redis is back, and a replica restarted under
// the same REDIS_REPLICA_ID releases what its previous run left in flight.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ModelLimits } from '../../src/config/model-limits.dto.js';
import { ProviderSimulator } from '../support/simulator/provider-simulator.js';
import { eventually } from '../support/gateway-client.js';
import { hello, model, postChat } from '../support/gateway-harness.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { RedisLink } from './redis-link.js';
import { RedisServer } from './redis-server.js';

let redis: RedisServer;
let link: RedisLink;
let sim: ProviderSimulator;
const running: GatewayProcess[] = [];
let prefixes = 0;

beforeAll(async () => {
  redis = await RedisServer.start();
  link = await RedisLink.open(redis.port);
  sim = new ProviderSimulator();
  await sim.start();
});

afterAll(async () => {
  await link.cut();
  await Promise.all([redis.stop(), sim.stop()]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
  sim.reset();
  await link.restore();
});

const GENEROUS: ModelLimits = { requestsPerMinute: 100_000, requestsPerDay: 1_000_000, tokensPerMinute: 100_000_000, tokensPerDay: 1_000_000_000 };

async function gateway(prefix: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const started = await startGatewayProcess({
    sim,
    models: [model('groq', 'only', { limits: GENEROUS })],
    env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '60000', ...env },
  });
  running.push(started);
  return started;
}

/** What Redis holds for the deployment under `prefix`: members in flight, tokens reserved this minute. */
async function held(prefix: string): Promise<{ inFlight: string[]; reservedTokens: number }> {
  const client = redis.client();
  try {
    const inFlight = await client.zrange(`{${prefix}}:groq/only:inflight`, 0, -1);
    const minute = Date.now() - (Date.now() % 60_000);
    const reservedTokens = Number((await client.hget(`{${prefix}}:groq/only:minute:${minute}`, 't')) ?? 0);
    return { inFlight, reservedTokens };
  } finally {
    client.disconnect();
  }
}

const showOutput = () =>
  onTestFailed(() => {
    for (const [i, process] of running.entries()) console.error(`--- gateway ${i + 1} (pid ${process.pid}) output:\n${process.output()}`);
  });

describe('reservations nobody settled', { timeout: 60_000 }, () => {
  it('sends a settle that could not reach Redis once Redis is reachable again: nothing stays in flight', async () => {
    showOutput();
    const prefix = `orphans-${process.pid}-${++prefixes}`;
    const replica = await gateway(prefix, { REDIS_URL: link.url });
    sim.setBehaviour('groq', 'only', { kind: 'ok', firstTokenDelayMs: 1_500, usage: { prompt_tokens: 7, completion_tokens: 3 } });

    const answer = postChat(replica, { ...hello, stream: false });
    await eventually(async () => expect((await held(prefix)).inFlight).toHaveLength(1), 5_000);
    await link.cut();
    expect((await answer).status).toBe(200);
    // Settled on the replica, but Redis never heard of it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await held(prefix)).inFlight).toHaveLength(1);

    await link.restore();

    await eventually(async () => {
      expect(await held(prefix)).toEqual({ inFlight: [], reservedTokens: 0 });
      const client = redis.client();
      try {
        expect(await client.hgetall(`{${prefix}}:groq/only:totals`)).toMatchObject({ completed: '1', promptTokens: '7', completionTokens: '3' });
      } finally {
        client.disconnect();
      }
    }, 10_000);
  });

  it("releases at start-up what the replica's previous run left in flight when it was killed, and nothing of another replica's", async () => {
    showOutput();
    const prefix = `orphans-${process.pid}-${++prefixes}`;
    const [killed, other] = await Promise.all([gateway(prefix, { REDIS_REPLICA_ID: 'replica-a' }), gateway(prefix, { REDIS_REPLICA_ID: 'replica-b' })]);
    sim.setBehaviour('groq', 'only', { kind: 'hang' });
    const controllers = [new AbortController(), new AbortController()];
    const requests = [killed!, other!].map((replica, i) => postChat(replica, hello, {}, controllers[i]!.signal).catch(() => undefined));

    try {
      await eventually(async () => expect((await held(prefix)).inFlight).toHaveLength(2), 5_000);
      const { reservedTokens: bothReserved } = await held(prefix);
      killed!.kill('SIGKILL');
      await killed!.exited;
      expect((await held(prefix)).inFlight).toHaveLength(2);

      await gateway(prefix, { REDIS_REPLICA_ID: 'replica-a' });

      await eventually(async () => {
        const { inFlight, reservedTokens } = await held(prefix);
        expect(inFlight).toHaveLength(1);
        expect(inFlight[0]).toContain('\nreplica-b\n');
        expect(reservedTokens).toBe(bothReserved / 2);
      }, 5_000);
    } finally {
      for (const controller of controllers) controller.abort();
      await Promise.all(requests);
    }
    await eventually(async () => expect(await held(prefix)).toEqual({ inFlight: [], reservedTokens: 0 }), 5_000);
  });
});
