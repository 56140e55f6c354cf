// A steady stream of short answers for minutes: memory must not creep and the event loop must
// stay responsive (set-up and why in load-harness.ts: the heap and the event-loop delay measured
// here are the gateway's; the client and the simulator run in child processes).
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  answer,
  chatBody,
  EventLoopDelay,
  heapUsedAfterGc,
  LoadClient,
  mb,
  requireOpenFiles,
  sleep,
  startLoadGateway,
  type LoadGateway,
} from './load-harness.js';
import { loadProfile } from './load-profile.js';

const { name: profile, soak: load } = loadProfile();
const expected = answer(load.tokens);
/** Heap used after a full GC may grow by at most this much from the end of the warm-up. */
const HEAP_GROWTH_BOUND_MB = 5;
const EVENT_LOOP_P99_BOUND_MS = 50;
const REQUEST_TIMEOUT_MS = 10_000;

let gw: LoadGateway;
let client: LoadClient;

beforeAll(async () => {
  requireOpenFiles(load.requestsPerSecond * 2);
  [gw, client] = await Promise.all([startLoadGateway(), LoadClient.start()]);
});

afterAll(async () => {
  await Promise.all([gw?.close(), client?.stop()]);
});

const minutes = (ms: number) => (ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);

it(
  `${load.requestsPerSecond} req/s of short streams for ${minutes(load.durationMs)}: all succeed, heap after GC grows ` +
    `< ${HEAP_GROWTH_BOUND_MB} MB after warm-up, event-loop delay p99 < ${EVENT_LOOP_P99_BOUND_MS} ms`,
  async () => {
    await gw.sim.setBehaviour({
      kind: 'ok',
      content: expected,
      firstTokenDelayMs: load.firstTokenDelayMs,
      interChunkDelayMs: load.interChunkDelayMs,
    });
    const run = (durationMs: number) =>
      client.steady({ url: gw.url, body: chatBody(), requestsPerSecond: load.requestsPerSecond, durationMs, expected, requestTimeoutMs: REQUEST_TIMEOUT_MS });

    const warmup = await run(load.warmupMs);
    expect(warmup.failures).toEqual({});
    // The client has closed its connections; let the gateway see them go before measuring.
    await sleep(500);
    const heapBefore = await heapUsedAfterGc();

    const delay = new EventLoopDelay();
    const cpuBefore = process.cpuUsage();
    delay.start();
    const steady = await run(load.durationMs);
    const eventLoop = delay.stop();
    const cpu = process.cpuUsage(cpuBefore);
    await sleep(500);
    const heapAfter = await heapUsedAfterGc();

    const usage = await gw.usage();
    const growth = heapAfter - heapBefore;
    console.log(
      `[load:${profile}] soak: ${steady.completed}/${steady.sent} complete (latency p50 ${steady.latencyMs.p50.toFixed(0)} ms, ` +
        `p99 ${steady.latencyMs.p99.toFixed(0)} ms); heap after GC ${mb(heapBefore)} -> ${mb(heapAfter)} ` +
        `(${growth >= 0 ? '+' : ''}${mb(growth)}); event-loop delay p50 ${eventLoop.p50.toFixed(1)} ms, ` +
        `p99 ${eventLoop.p99.toFixed(1)} ms, max ${eventLoop.max.toFixed(1)} ms; ` +
        `gateway CPU ${((cpu.user + cpu.system) / 1000 / load.durationMs * 100).toFixed(0)}% of a core`,
    );

    expect(steady.failures).toEqual({});
    expect(steady.completed).toBe(Math.floor((load.durationMs * load.requestsPerSecond) / 1000));
    expect(usage.totals).toMatchObject({ inFlight: 0, failures: 0, cancellations: 0 });
    expect(growth).toBeLessThan(HEAP_GROWTH_BOUND_MB * 1024 * 1024);
    expect(eventLoop.p99).toBeLessThan(EVENT_LOOP_P99_BOUND_MS);
  },
  loadProfile().soak.warmupMs + loadProfile().soak.durationMs + 120_000,
);
