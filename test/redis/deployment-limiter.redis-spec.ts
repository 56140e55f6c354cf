// The shared limiter against a real redis-server: atomic check-and-reserve across clients (as
// several replicas would be), reconciliation, leases of replicas that died, window roll-over,
// shared cooldowns, and keys that expire.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { ModelLimits } from '../../src/config/model-limits.dto.js';
import type { RateLimitSnapshot } from '../../src/providers/rate-limit-headers.js';
import { DeploymentLimiter, type SharedReservation } from '../../src/redis/deployment-limiter.js';
import { deployment } from '../support/fixtures.js';
import { eventually } from '../support/gateway-client.js';
import { RedisServer } from './redis-server.js';

let server: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await server.stop();
});

afterEach(async () => {
  const admin = server.client();
  await admin.flushall();
  admin.disconnect();
  for (const client of clients.splice(0)) client.disconnect();
});

const NONE: ModelLimits = {
  requestsPerMinute: 1_000_000,
  requestsPerDay: 1_000_000,
  tokensPerMinute: 1_000_000_000,
  tokensPerDay: 1_000_000_000,
};

/** A limiter on its own connection: one per simulated replica. */
function replica(options: { leaseMs?: number; prefix?: string } = {}): DeploymentLimiter {
  const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  clients.push(client);
  return new DeploymentLimiter(client, { prefix: options.prefix ?? 'test', leaseMs: options.leaseMs ?? 60_000 });
}

const at = (iso: string) => Date.parse(iso);
const limited = (limits: Partial<ModelLimits>) => deployment('groq', 'm', { limits: { ...NONE, ...limits } });

describe('DeploymentLimiter', () => {
  it('admits up to requestsPerMinute, then refuses until the end of the UTC minute', async () => {
    const limiter = replica();
    const model = limited({ requestsPerMinute: 2 });
    const now = at('2026-03-04T10:20:30.000Z');

    expect((await limiter.reserve(model, 10, now)).admitted).toBe(true);
    expect((await limiter.reserve(model, 10, now)).admitted).toBe(true);
    expect(await limiter.reserve(model, 10, now)).toEqual({
      admitted: false,
      retryAt: at('2026-03-04T10:21:00.000Z'),
      reason: 'requests per minute limit reached',
    });
    expect((await limiter.reserve(model, 10, at('2026-03-04T10:21:00.000Z'))).admitted).toBe(true);
  });

  it('refuses for good (retryAt Infinity) a request larger than a whole token window', async () => {
    const result = await replica().reserve(limited({ tokensPerMinute: 100 }), 101, at('2026-03-04T10:20:30.000Z'));
    expect(result).toMatchObject({ admitted: false, retryAt: Number.POSITIVE_INFINITY });
  });

  it('never admits more than the limit when 200 requests from three replicas race for 20 places', async () => {
    const replicas = [replica(), replica(), replica()];
    const model = limited({ requestsPerMinute: 20 });
    const now = at('2026-03-04T10:20:30.000Z');

    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => replicas[i % 3]!.reserve(model, 5, now)));

    expect(results.filter((result) => result.admitted)).toHaveLength(20);
    const windows = await replicas[0]!.windows(model.key, now);
    expect(windows.minute).toMatchObject({ requests: 20, reservedTokens: 100 });
  });

  it('holds reserved tokens against the token limit until settled, then books the usage reported instead', async () => {
    const [a, b] = [replica(), replica()];
    const model = limited({ tokensPerMinute: 150 });
    const now = at('2026-03-04T10:20:30.000Z');

    const first = await a.reserve(model, 100, now);
    expect(first.admitted).toBe(true);
    expect((await b.reserve(model, 100, now)).admitted).toBe(false);

    const reservation = (first as { reservation: SharedReservation }).reservation;
    expect(await a.settle(reservation, 'completed', { promptTokens: 10, completionTokens: 20 }, now + 1_000)).toBe(true);

    expect((await b.windows(model.key, now)).minute).toMatchObject({ requests: 1, reservedTokens: 0, promptTokens: 10, completionTokens: 20 });
    expect((await b.reserve(model, 100, now + 2_000)).admitted).toBe(true);
  });

  it('settles once: a second settle releases nothing more and returns false', async () => {
    const limiter = replica();
    const model = limited({});
    const now = at('2026-03-04T10:20:30.000Z');
    const other = await limiter.reserve(model, 40, now);
    const mine = await limiter.reserve(model, 60, now);
    const reservation = (mine as { reservation: SharedReservation }).reservation;

    expect(await limiter.settle(reservation, 'failed', undefined, now)).toBe(true);
    expect(await limiter.settle(reservation, 'failed', undefined, now)).toBe(false);

    expect(other.admitted).toBe(true);
    expect((await limiter.windows(model.key, now)).minute.reservedTokens).toBe(40);
    expect(await limiter.inFlight(model.key, now)).toBe(1);
  });

  it('takes back a reservation whose reply never arrived: a timed-out reserve leaves nothing held', async () => {
    const impatient = new Redis(server.url, { maxRetriesPerRequest: 0, commandTimeout: 100 });
    clients.push(impatient);
    const limiter = new DeploymentLimiter(impatient, { prefix: 'test', leaseMs: 60_000 });
    const observer = replica();
    const model = limited({});
    const now = Date.now();
    await observer.windows(model.key, now);

    // Redis busy for 400 ms: the reserve waits in line, the client gives up, then Redis runs it.
    const admin = server.client();
    clients.push(admin);
    const busy = admin.eval("local s = redis.call('TIME') repeat local t = redis.call('TIME') until (t[1] - s[1]) * 1000000 + (t[2] - s[2]) > 400000 return 1", 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(limiter.reserve(model, 70, now)).rejects.toThrow(/timed out/i);
    await busy;

    await eventually(async () => {
      expect((await observer.windows(model.key, now)).minute).toMatchObject({ requests: 0, reservedTokens: 0 });
      expect(await observer.inFlight(model.key, now)).toBe(0);
    });
  });

  it('withdraws a reservation once: a second withdraw finds nothing', async () => {
    const limiter = replica();
    const model = limited({});
    const now = at('2026-03-04T10:20:30.000Z');
    const admission = await limiter.reserve(model, 25, now);
    const reservation = (admission as { reservation: SharedReservation }).reservation;

    expect(await limiter.withdraw([reservation])).toBe(1);
    expect(await limiter.withdraw([reservation])).toBe(0);
    expect((await limiter.windows(model.key, now)).minute).toMatchObject({ requests: 0, reservedTokens: 0 });
    expect((await limiter.totals(model.key)).requests).toBe(0);
  });

  it("releases the tokens of a replica that died mid-request once the reservation's lease has run out", async () => {
    const dead = replica({ leaseMs: 5_000 });
    const alive = replica({ leaseMs: 5_000 });
    const model = limited({ tokensPerMinute: 150 });
    const now = at('2026-03-04T10:20:30.000Z');

    expect((await dead.reserve(model, 100, now)).admitted).toBe(true);
    expect((await alive.reserve(model, 100, now + 4_000)).admitted).toBe(false);

    expect((await alive.reserve(model, 100, now + 5_001)).admitted).toBe(true);
    expect(await alive.inFlight(model.key, now + 5_001)).toBe(1);
  });

  it('releases a reservation made in the previous minute from that minute only, and books the usage in the new one', async () => {
    const limiter = replica();
    const model = limited({});
    const before = at('2026-03-04T10:20:59.900Z');
    const after = at('2026-03-04T10:21:00.100Z');
    const admission = await limiter.reserve(model, 50, before);
    const other = await limiter.reserve(model, 30, after);
    expect(other.admitted).toBe(true);

    await limiter.settle((admission as { reservation: SharedReservation }).reservation, 'completed', { promptTokens: 5, completionTokens: 7 }, after);

    expect((await limiter.windows(model.key, before)).minute).toMatchObject({ requests: 1, reservedTokens: 0 });
    expect((await limiter.windows(model.key, after)).minute).toMatchObject({ requests: 1, reservedTokens: 30, promptTokens: 5, completionTokens: 7 });
    // The hour and the day did not roll over: they held both reservations and now hold one.
    expect((await limiter.windows(model.key, after)).hour).toMatchObject({ requests: 2, reservedTokens: 30 });
  });

  it('shares cooldowns: one replica cooling a deployment down makes another refuse it, and a shorter cooldown never cuts it', async () => {
    const [a, b] = [replica(), replica()];
    const model = limited({});
    const now = at('2026-03-04T10:20:30.000Z');

    await a.coolDown(model.key, now + 30_000, now);
    await a.coolDown(model.key, now + 5_000, now);

    expect(await b.reserve(model, 1, now + 10_000)).toEqual({ admitted: false, retryAt: now + 30_000, reason: 'cooling down' });
    expect(await b.cooldownUntil(model.key, now)).toBe(now + 30_000);
  });

  it('keeps the newest provider report handed over with a settle: an older one arriving later never replaces it', async () => {
    const [a, b] = [replica(), replica()];
    const model = limited({});
    const now = at('2026-03-04T10:20:30.000Z');
    const report = (observedAt: string, remaining: number): RateLimitSnapshot => ({
      observedAt,
      windows: [{ resource: 'requests', window: 'day', limit: 1000, remaining }],
    });
    const settleWith = async (limiter: DeploymentLimiter, snapshot: RateLimitSnapshot) => {
      const admission = await limiter.reserve(model, 1, now);
      await limiter.settle((admission as { reservation: SharedReservation }).reservation, 'completed', undefined, now, snapshot);
    };

    expect(await b.providerReport(model.key)).toBeNull();
    await settleWith(a, report('2026-03-04T10:20:29.000Z', 500));
    await settleWith(b, report('2026-03-04T10:20:28.000Z', 600));

    expect(await a.providerReport(model.key)).toEqual(report('2026-03-04T10:20:29.000Z', 500));
    await settleWith(b, report('2026-03-04T10:20:29.500Z', 499));
    expect(await a.providerReport(model.key)).toEqual(report('2026-03-04T10:20:29.500Z', 499));
  });

  it('puts every key under the prefix hash tag, each with an expiry', async () => {
    const limiter = replica({ prefix: 'gw-a' });
    const model = limited({});
    const now = Date.now();
    const admission = await limiter.reserveFirst([{ deployment: model, tokens: 10, eligible: true }], 'round-robin', 1, now);
    const observedAt = new Date(now).toISOString();
    await limiter.settle(admission.admitted!.reservation, 'completed', { promptTokens: 1, completionTokens: 1 }, now, { observedAt, windows: [] });
    await limiter.coolDown(model.key, now + 60_000, now);

    const admin = server.client();
    clients.push(admin);
    const keys = await admin.keys('*');
    // Three windows, totals, cooldown, the provider's report, the rotation cursor; the replica's
    // set of inflight keys.
    expect(keys.length).toBe(8);
    const expiries = await Promise.all(keys.map(async (key) => ({ key, ttlSet: (await admin.pttl(key)) > 0 })));
    expect(expiries).toEqual(keys.map((key) => ({ key, ttlSet: true })));
    expect(keys.filter((key) => !key.startsWith('{gw-a}:groq/m:'))).toEqual(['{gw-a}:replica:-:inflight-keys']);
  });

  it('a replayed settle books nothing when the first one ran already, and releases when it did not', async () => {
    const limiter = replica();
    const model = limited({});
    const now = at('2026-03-04T10:20:30.000Z');
    const first = ((await limiter.reserve(model, 40, now)) as { reservation: SharedReservation }).reservation;
    const second = ((await limiter.reserve(model, 60, now)) as { reservation: SharedReservation }).reservation;

    await limiter.settle(first, 'completed', { promptTokens: 5, completionTokens: 5 }, now);
    expect(await limiter.settle(first, 'completed', { promptTokens: 5, completionTokens: 5 }, now, undefined, true)).toBe(false);
    expect(await limiter.settle(second, 'completed', { promptTokens: 1, completionTokens: 2 }, now, undefined, true)).toBe(true);

    expect((await limiter.windows(model.key, now)).minute).toMatchObject({ requests: 2, reservedTokens: 0, promptTokens: 6, completionTokens: 7 });
    expect((await limiter.totals(model.key)).completed).toBe(2);
  });

  it("reclaims what earlier incarnations of the same replica id left in flight, not the current one's nor another replica's", async () => {
    const client = () => {
      const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
      clients.push(redis);
      return redis;
    };
    const as = (id: string, incarnation: string) => new DeploymentLimiter(client(), { prefix: 'test', leaseMs: 60_000, replica: { id, incarnation } });
    const model = limited({});
    const now = at('2026-03-04T10:20:30.000Z');
    await as('a', 'run-1').reserve(model, 10, now);
    await as('b', 'run-1').reserve(model, 20, now);
    const restarted = as('a', 'run-2');
    await restarted.reserve(model, 40, now);

    expect(await restarted.reclaim()).toBe(1);
    expect(await restarted.reclaim()).toBe(0);
    expect((await restarted.windows(model.key, now)).minute.reservedTokens).toBe(60);
    expect(await restarted.inFlight(model.key, now)).toBe(2);
  });
});

describe('DeploymentLimiter.reserveFirst: the order every replica shares', () => {
  const now = at('2026-03-04T10:20:30.000Z');
  const three = [deployment('groq', 'a', { limits: NONE }), deployment('groq', 'b', { limits: NONE }), deployment('cerebras', 'c', { limits: NONE })];
  const candidates = (models: typeof three, eligible = models.map(() => true)) =>
    models.map((model, index) => ({ deployment: model, tokens: 10, eligible: eligible[index]! }));

  it('round-robin: replicas taking turns continue one rotation instead of each starting its own', async () => {
    const replicas = [replica(), replica(), replica()];
    const firsts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const result = await replicas[i % 3]!.reserveFirst(candidates(three), 'round-robin', 3, now);
      firsts.push(result.admitted!.candidate);
      expect(result.order[0]).toBe(result.admitted!.candidate);
    }
    expect(firsts).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('round-robin: keeps one cursor per candidate set', async () => {
    const limiter = replica();
    await limiter.reserveFirst(candidates(three), 'round-robin', 3, now);
    const pair = await limiter.reserveFirst(candidates(three.slice(0, 2)), 'round-robin', 2, now);
    expect(pair.admitted!.candidate).toBe(0);
    expect((await limiter.reserveFirst(candidates(three), 'round-robin', 3, now)).admitted!.candidate).toBe(1);
  });

  it("nextPick names the candidate the next reserveFirst reserves, on any replica, moving no cursor and reserving nothing", async () => {
    const [a, b] = [replica(), replica()];
    expect(await b.nextPick(candidates(three), 'round-robin', now)).toBe(0);
    expect(await b.nextPick(candidates(three), 'round-robin', now)).toBe(0);
    expect((await a.reserveFirst(candidates(three), 'round-robin', 3, now)).admitted!.candidate).toBe(0);
    expect(await b.nextPick(candidates(three), 'round-robin', now)).toBe(1);
    expect((await b.reserveFirst(candidates(three), 'round-robin', 3, now)).admitted!.candidate).toBe(1);
    expect((await a.windows(three[2]!.key, now)).minute.requests).toBe(0);
  });

  it('nextPick passes over a full, cooling or ineligible candidate, and names none when none has room', async () => {
    const limiter = replica();
    const full = [deployment('groq', 'a', { limits: { ...NONE, requestsPerMinute: 1 } }), ...three.slice(1)];
    await limiter.reserve(full[0]!, 10, now);
    expect(await limiter.nextPick(candidates(full), 'given', now)).toBe(1);
    await limiter.coolDown(full[1]!.key, now + 30_000, now, 'rate limited');
    expect(await limiter.nextPick(candidates(full), 'given', now)).toBe(2);
    expect(await limiter.nextPick(candidates(full, [true, true, false]), 'given', now)).toBeNull();
    expect(await limiter.totals(full[0]!.key)).toMatchObject({ limited: 0 });
  });

  it('reserves the next in the order when the first is full, reporting why the first was skipped', async () => {
    const limiter = replica();
    const full = [deployment('groq', 'a', { limits: { ...NONE, requestsPerMinute: 1 } }), ...three.slice(1)];
    await limiter.reserve(full[0]!, 10, now);

    const result = await limiter.reserveFirst(candidates(full), 'given', 3, now);

    expect(result.order).toEqual([0, 1, 2]);
    expect(result.admitted!.candidate).toBe(1);
    expect(result.refusals).toEqual([{ candidate: 0, retryAt: at('2026-03-04T10:21:00.000Z'), reason: 'requests per minute limit reached' }]);
    expect((await limiter.windows(full[0]!.key, now)).minute.requests).toBe(1);
  });

  it('considers only the first `considered` candidates of the order', async () => {
    const limiter = replica();
    const full = [deployment('groq', 'a', { limits: { ...NONE, requestsPerMinute: 0 } }), ...three.slice(1)];

    const result = await limiter.reserveFirst(candidates(full), 'given', 1, now);

    expect(result.admitted).toBeNull();
    expect(result.refusals.map((refusal) => refusal.candidate)).toEqual([0]);
    expect((await limiter.windows(full[1]!.key, now)).minute.requests).toBe(0);
  });

  it('leaves a candidate the replica refused itself in its place, unreserved, and takes the next', async () => {
    const limiter = replica();

    const result = await limiter.reserveFirst(candidates(three, [false, true, true]), 'round-robin', 3, now);

    expect(result.order).toEqual([0, 1, 2]);
    expect(result.admitted!.candidate).toBe(1);
    expect(result.refusals).toEqual([]);
    expect((await limiter.windows(three[0]!.key, now)).minute.requests).toBe(0);
  });

  it('least-used: orders by the share of per-minute limits used across replicas, ties in the order given', async () => {
    const [a, b] = [replica(), replica()];
    const sized = [
      deployment('groq', 'a', { limits: { ...NONE, requestsPerMinute: 10 } }),
      deployment('groq', 'b', { limits: { ...NONE, requestsPerMinute: 100 } }),
      deployment('cerebras', 'c', { limits: { ...NONE, requestsPerMinute: 10 } }),
    ];
    // a: 3 of 10 used; b: 3 of 100; c: idle.
    for (let i = 0; i < 3; i++) {
      await a.reserve(sized[0]!, 1, now);
      await a.reserve(sized[1]!, 1, now);
    }

    const result = await b.reserveFirst(candidates(sized), 'least-used', 3, now);

    expect(result.order).toEqual([2, 1, 0]);
    expect(result.admitted!.candidate).toBe(2);
    // Now c is 1 of 10 (0.1) and b 3 of 100 (0.03): b goes first.
    expect((await a.reserveFirst(candidates(sized), 'least-used', 3, now)).order).toEqual([1, 2, 0]);
  });
});
