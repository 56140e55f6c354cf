// The load client in a process of its own, so that its work is not measured as the gateway's
// event-loop delay or heap, and does not slow the gateway's event loop down. Started by
// load-harness.ts (`node --import tsx`, with an IPC channel); each message { id, op, ...args }
// runs one workload against the gateway and is answered with { id, result } (or { id, error }).
// It announces { op: 'ready' } and exits when the parent goes away.
import { Agent } from 'node:http';
import { incompleteness, streamChat, Tally, unlimitedAgent, type ChatStream, type SseProgress, type StreamResult } from './sse-client.js';

if (!process.send) {
  console.error('test/load/client-child.ts is started by the load suite (it needs an IPC channel)');
  process.exit(2);
}
const send = process.send.bind(process);

export interface ConcurrentArgs {
  url: string;
  body: string;
  streams: number;
  expected: string[];
  deadlineMs: number;
}

export interface ConcurrentResult {
  completed: number;
  failures: Record<string, number>;
  elapsedMs: number;
  /** From the start of the burst to the first delta of each stream. */
  firstDeltaMs: { p50: number; max: number };
}

/** Starts every stream at once and checks each one is a whole answer. */
async function concurrent({ url, body, streams: count, expected, deadlineMs }: ConcurrentArgs): Promise<ConcurrentResult> {
  const agent = unlimitedAgent();
  const firstDeltas: number[] = [];
  const started = performance.now();
  const streams = Array.from({ length: count }, () => {
    let seen = false;
    return streamChat(url, body, agent, (progress) => {
      if (!seen && progress.deltas.length > 0) {
        seen = true;
        firstDeltas.push(performance.now() - started);
      }
    });
  });
  const deadline = setTimeout(() => streams.forEach((stream) => stream.hangUp()), deadlineMs);
  const results = await Promise.all(streams.map((stream) => stream.result));
  const elapsedMs = performance.now() - started;
  clearTimeout(deadline);
  agent.destroy();

  const failures = new Tally();
  for (const result of results) {
    const reason = result.hungUp ? `not done within ${deadlineMs} ms` : incompleteness(result, expected);
    if (reason) failures.add(reason);
  }
  return {
    completed: count - failures.total,
    failures: failures.counts,
    elapsedMs,
    firstDeltaMs: { p50: percentile(firstDeltas, 50), max: percentile(firstDeltas, 100) },
  };
}

export interface SteadyArgs {
  url: string;
  body: string;
  requestsPerSecond: number;
  durationMs: number;
  expected: string[];
  /** A request still open by then is cut and fails. */
  requestTimeoutMs: number;
}

export interface SteadyResult {
  sent: number;
  completed: number;
  failures: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
}

/**
 * Sends at a fixed rate whatever the answers' pace (an open loop, so a slow gateway meets more
 * concurrent requests, not fewer), then waits for the last answers.
 */
async function steady({ url, body, requestsPerSecond, durationMs, expected, requestTimeoutMs }: SteadyArgs): Promise<SteadyResult> {
  const agent = unlimitedAgent();
  const failures = new Tally();
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  const total = Math.floor((durationMs * requestsPerSecond) / 1000);
  let sent = 0;

  const launch = () => {
    const started = performance.now();
    const stream = streamChat(url, body, agent);
    const timeout = setTimeout(() => stream.hangUp(), requestTimeoutMs);
    const settled = stream.result.then((result) => {
      clearTimeout(timeout);
      latencies.push(performance.now() - started);
      const reason = result.hungUp ? `not done within ${requestTimeoutMs} ms` : incompleteness(result, expected);
      if (reason) failures.add(reason);
    });
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
  };

  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * requestsPerSecond) / 1000));
      while (sent < due) {
        sent++;
        launch();
      }
      if (sent === total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  while (pending.size > 0) await Promise.all(pending);
  agent.destroy();
  return {
    sent,
    completed: sent - failures.total,
    failures: failures.counts,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
  };
}

export const DISCONNECT_POINTS = ['before-headers', 'after-meta', 'mid-stream', 'before-done'] as const;
export type DisconnectPoint = (typeof DISCONNECT_POINTS)[number];

export interface DisconnectArgs {
  url: string;
  body: string;
  clients: number;
  /** The upstream answer's length and first-token delay, to place the hang-ups. */
  tokens: number;
  firstTokenDelayMs: number;
  seed: number;
}

export interface CohortResult {
  clients: number;
  /** Hung up before the response headers arrived. */
  beforeHeaders: number;
  /** Got meta and hung up without a done: the gateway must count these as cancelled. */
  afterMetaWithoutDone: number;
  /** Got done before the planned hang-up (possible only just before done). */
  gotDone: number;
  /** What should never happen: an error event, a status other than 200, events out of order. */
  unexpected: Record<string, number>;
}

/** Sent once every client but those hanging up just before done has gone. */
export interface EarlyCohortsGone {
  op: 'disconnects:early-gone';
  /** Clients of the before-done cohort still reading at that moment. */
  stillReading: number;
}

/**
 * Starts `clients` streams at once; each hangs up at a point of its cohort (cohorts in turn,
 * the exact point drawn at random): before the headers (0 to 80% of the first-token delay),
 * right after meta, after 2 to tokens/2 deltas, or after all deltas but the last (the last
 * delta and done come in one write).
 */
async function disconnects({ url, body, clients, tokens, firstTokenDelayMs, seed }: DisconnectArgs): Promise<Record<DisconnectPoint, CohortResult>> {
  const random = mulberry32(seed);
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const cohorts = Object.fromEntries(
    DISCONNECT_POINTS.map((point) => [point, { clients: 0, beforeHeaders: 0, afterMetaWithoutDone: 0, gotDone: 0, unexpected: {} }]),
  ) as Record<DisconnectPoint, CohortResult>;
  const early: Promise<StreamResult>[] = [];
  const late: ChatStream[] = [];
  let lateSettled = 0;
  const all: Array<{ point: DisconnectPoint; stream: ChatStream; headersAtHangUp: () => boolean }> = [];

  for (let i = 0; i < clients; i++) {
    const point = DISCONNECT_POINTS[i % DISCONNECT_POINTS.length]!;
    let statusAtHangUp = -1;
    const hangUpWhen = (condition: (progress: SseProgress) => boolean) => (progress: SseProgress) => {
      if (!condition(progress)) return false;
      statusAtHangUp = progress.status;
      return true;
    };
    let stream: ChatStream;
    if (point === 'before-headers') {
      stream = streamChat(url, body, agent);
      const timer = setTimeout(() => {
        statusAtHangUp = stream.progress.status;
        stream.hangUp();
      }, random() * firstTokenDelayMs * 0.8);
      void stream.result.then(() => clearTimeout(timer));
    } else if (point === 'after-meta') {
      stream = streamChat(url, body, agent, hangUpWhen((progress) => progress.meta));
    } else if (point === 'mid-stream') {
      const after = 2 + Math.floor(random() * (tokens / 2 - 2));
      stream = streamChat(url, body, agent, hangUpWhen((progress) => progress.deltas.length >= after));
    } else {
      stream = streamChat(url, body, agent, hangUpWhen((progress) => progress.deltas.length >= tokens - 1));
    }
    all.push({ point, stream, headersAtHangUp: () => statusAtHangUp > 0 });
    if (point === 'before-done') {
      late.push(stream);
      void stream.result.then(() => lateSettled++);
    } else {
      early.push(stream.result);
    }
  }

  await Promise.all(early);
  const gone: EarlyCohortsGone = { op: 'disconnects:early-gone', stillReading: late.length - lateSettled };
  send(gone);

  for (const { point, stream, headersAtHangUp } of all) {
    const { progress, hungUp, transportError } = await stream.result;
    const cohort = cohorts[point];
    cohort.clients++;
    const odd = (reason: string) => (cohort.unexpected[reason] = (cohort.unexpected[reason] ?? 0) + 1);
    if (progress.done) cohort.gotDone++;
    if (hungUp && !headersAtHangUp()) cohort.beforeHeaders++;
    if (hungUp && progress.meta && !progress.done) cohort.afterMetaWithoutDone++;
    if (!hungUp && !progress.done) odd(`ended before its hang-up: ${transportError ?? 'no done'}`);
    if (progress.status !== 0 && progress.status !== 200) odd(`HTTP ${progress.status}`);
    if (progress.errorEvent !== undefined) odd(`error event ${progress.errorEvent}`);
    if (progress.outOfOrder) odd(`out of order: ${progress.outOfOrder}`);
  }
  agent.destroy();
  return cohorts;
}

/** A small seeded generator, so a failing run can be repeated with LOAD_SEED. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const operations: Record<string, (args: never) => Promise<unknown>> = { concurrent, steady, disconnects };

process.on('message', (message: { id: number; op: string }) => {
  const operation = operations[message?.op];
  if (!operation) return;
  operation(message as never).then(
    (result) => send({ id: message.id, result }),
    (error: unknown) => send({ id: message.id, error: String((error as Error)?.stack ?? error) }),
  );
});
process.on('disconnect', () => process.exit(0));

send({ op: 'ready' });
