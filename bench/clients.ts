// The benchmark's own HTTP clients (node:http, no pooling limit): one request at a time for
// time to first byte, and many streams at once for the long-stream and hang-up checks.
import { Agent, request, type ClientRequest } from 'node:http';
import { percentile } from './stats.js';
import { readChatSse, readOpenAiSse, type StreamCheck, type Target } from './workload.js';

export interface Timing {
  /** Until the body chunk that holds the first content token arrived. */
  ttfbMs: number;
  /** Until the response ended. */
  totalMs: number;
  ok: boolean;
}

interface Exchange {
  req: ClientRequest;
  /** Resolves when the response ended, failed or was destroyed. */
  done: Promise<{ status: number; body: string; error?: string }>;
}

/** One POST; `onChunk` sees the body so far after each chunk. */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  agent: Agent,
  onChunk?: (bodySoFar: string) => void,
): Exchange {
  let req!: ClientRequest;
  const done = new Promise<{ status: number; body: string; error?: string }>((resolve) => {
    let text = '';
    let status = 0;
    let complete = false;
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      resolve({ status, body: text, error });
    };
    req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        onChunk?.(text);
      });
      res.on('end', () => {
        complete = true;
        finish();
      });
      res.on('error', (error) => finish(error.message));
      res.on('close', () => finish(res.complete ? undefined : 'closed before the end'));
    });
    req.on('error', (error) => finish(error.message));
    // Destroyed before a response (hang-up, deadline): 'close' is all that comes.
    req.on('close', () => finish(status === 0 ? 'closed before a response' : complete ? undefined : 'closed before the end'));
    req.end(body);
  });
  return { req, done };
}

/** One request, timed with the high-resolution clock. */
async function timeOne(origin: string, target: Target, agent: Agent, timeoutMs: number): Promise<Timing> {
  const started = performance.now();
  let ttfbMs = Number.NaN;
  const exchange = post(`${origin}${target.path}`, target.headers, target.body, agent, (soFar) => {
    if (Number.isNaN(ttfbMs) && soFar.includes(target.firstTokenMarker)) ttfbMs = performance.now() - started;
  });
  const timer = setTimeout(() => exchange.req.destroy(new Error('timeout')), timeoutMs);
  const { status, body, error } = await exchange.done;
  const totalMs = performance.now() - started;
  clearTimeout(timer);
  return { ttfbMs, totalMs, ok: !error && status === 200 && target.verify(body) };
}

/** One request, checked: is it a whole answer? (Run before the load, so a broken setup stops the benchmark.) */
export async function checkOnce(origin: string, target: Target, timeoutMs = 10_000): Promise<{ ok: boolean; status: number; body: string }> {
  const agent = new Agent({ keepAlive: false });
  const exchange = post(`${origin}${target.path}`, target.headers, target.body, agent);
  const timer = setTimeout(() => exchange.req.destroy(new Error('timeout')), timeoutMs);
  const { status, body, error } = await exchange.done;
  clearTimeout(timer);
  agent.destroy();
  return { ok: !error && status === 200 && target.verify(body), status, body: error ? `${error}: ${body}` : body };
}

export type SequentialSide = 'direct' | 'baseline' | 'gateway';
export type SequentialResult = Record<SequentialSide, Timing[]>;

/**
 * `count` requests one after the other to each side, taking turns in a rotating order (so drift
 * on a shared machine hits every side alike), each side over its own kept-alive connection,
 * after `warmup` each.
 */
export async function measureSequential(
  sides: Record<SequentialSide, { origin: string; target: Target }>,
  count: number,
  warmup: number,
  timeoutMs = 10_000,
): Promise<SequentialResult> {
  const names = Object.keys(sides) as SequentialSide[];
  const agents = new Map(names.map((name) => [name, new Agent({ keepAlive: true, maxSockets: 1 })]));
  const result: SequentialResult = { direct: [], baseline: [], gateway: [] };
  try {
    for (let i = 0; i < warmup + count; i++) {
      for (let turn = 0; turn < names.length; turn++) {
        const name = names[(i + turn) % names.length]!;
        const { origin, target } = sides[name];
        const timing = await timeOne(origin, target, agents.get(name)!, timeoutMs);
        if (i >= warmup) result[name].push(timing);
      }
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
  return result;
}

export interface StreamsResult {
  total: number;
  completed: number;
  /** Why the others failed, with how many each. */
  failures: Record<string, number>;
  /** From the first request sent to the last stream ended. */
  durationMs: number;
  firstTokenMs: { p50: number; p99: number };
  streamMs: { p50: number; p99: number };
}

/** How a stream's body is read: the gateway's /chat SSE, or the OpenAI-style chunks the bare proxy relays. */
export interface StreamFormat {
  firstTokenMarker: string;
  read: (body: string) => StreamCheck;
}
export const CHAT_SSE: StreamFormat = { firstTokenMarker: 'event: delta', read: readChatSse };
export const OPENAI_SSE: StreamFormat = { firstTokenMarker: '"content":', read: readOpenAiSse };

/**
 * Starts `count` streams at once and checks that each one ends (`done` or `[DONE]`) after
 * exactly the expected deltas and text. Streams still open at `deadlineMs` are cut and fail.
 */
export async function runConcurrentStreams(
  url: string,
  body: string,
  count: number,
  expected: readonly string[],
  deadlineMs: number,
  format: StreamFormat = CHAT_SSE,
): Promise<StreamsResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
  const expectedText = expected.join('');
  const firstTokens: number[] = [];
  const durations: number[] = [];
  const failures: Record<string, number> = {};
  const fail = (reason: string) => (failures[reason] = (failures[reason] ?? 0) + 1);
  let completed = 0;

  const started = performance.now();
  const exchanges = Array.from({ length: count }, () => {
    let first = false;
    return post(url, headers, body, agent, (soFar) => {
      if (!first && soFar.includes(format.firstTokenMarker)) {
        first = true;
        firstTokens.push(performance.now() - started);
      }
    });
  });
  const deadline = setTimeout(() => {
    for (const { req } of exchanges) req.destroy(new Error(`not done within ${deadlineMs} ms`));
  }, deadlineMs);

  await Promise.all(
    exchanges.map(async ({ done }) => {
      const { status, body: text, error } = await done;
      durations.push(performance.now() - started);
      if (error) return fail(error);
      if (status !== 200) return fail(`HTTP ${status}`);
      const check = format.read(text);
      if (check.error) return fail(`error event: ${check.error}`);
      if (!check.done) return fail('no end marker');
      if (check.deltas !== expected.length) return fail(`${check.deltas} deltas instead of ${expected.length}`);
      if (check.content !== expectedText) return fail('wrong content');
      completed++;
    }),
  );
  const durationMs = performance.now() - started;
  clearTimeout(deadline);
  agent.destroy();
  return {
    total: count,
    completed,
    failures,
    durationMs,
    firstTokenMs: { p50: percentile(firstTokens, 50), p99: percentile(firstTokens, 99) },
    streamMs: { p50: percentile(durations, 50), p99: percentile(durations, 99) },
  };
}

export interface OpenStreams {
  total: number;
  /** Resolves once every stream has its first token or has ended without one, or after `waitMs`. */
  firstTokens(waitMs: number): Promise<void>;
  /** Streams whose first token has arrived so far. */
  readonly gotFirstToken: number;
  /** Destroys every client connection at the same moment; resolves once all have closed. */
  hangUp(): Promise<void>;
}

/** Starts `count` /chat SSE streams at once, to hang up on them later. */
export function openStreams(url: string, body: string, count: number): OpenStreams {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
  let gotFirstToken = 0;
  let endedWithout = 0;
  let wake: () => void = () => undefined;
  const allReached = new Promise<void>((resolve) => (wake = resolve));
  const check = () => {
    if (gotFirstToken + endedWithout === count) wake();
  };

  const exchanges = Array.from({ length: count }, () => {
    let first = false;
    const exchange = post(url, headers, body, agent, (soFar) => {
      if (!first && soFar.includes('event: delta')) {
        first = true;
        gotFirstToken++;
        check();
      }
    });
    void exchange.done.then(() => {
      if (first) return;
      endedWithout++;
      check();
    });
    return exchange;
  });

  return {
    total: count,
    get gotFirstToken() {
      return gotFirstToken;
    },
    async firstTokens(waitMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allReached, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    },
    async hangUp() {
      for (const { req } of exchanges) req.destroy();
      await Promise.all(exchanges.map(({ done }) => done));
      agent.destroy();
    },
  };
}
