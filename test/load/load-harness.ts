// The load suite's set-up.
//
// The gateway runs in the Vitest worker itself (createApp from src/, listening like main.ts with
// a deep backlog), not as a separate process from dist/: no build step, no dependency on a dist/
// that another build may be rewriting, and direct access to the process whose heap (after a
// forced GC: the worker runs with --expose-gc) and event-loop delay are measured. The provider
// simulator (test/support/simulator/simulator-process.ts) and the load client (client-child.ts) each run in a child
// process, so those measurements are the gateway's alone and the gateway's event loop does not
// share a core with the client's parsing: with the client in-process, 1,000 streams never got
// past ~550 open upstream at once on 2 cores; with it outside, all 1,000 are.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import type { ModelEntry } from '../../src/config/model-catalog.js';
import type { UsageReportDto } from '../../src/usage/dto/usage-report.dto.js';
import type { Behaviour, StreamStats } from '../support/simulator/provider-simulator.js';
import { stopChild } from '../support/processes.js';
import type {
  CohortResult,
  ConcurrentArgs,
  ConcurrentResult,
  DisconnectArgs,
  DisconnectPoint,
  EarlyCohortsGone,
  SteadyArgs,
  SteadyResult,
} from './client-child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

/** The public model id both deployments serve; requests rotate between Groq and Cerebras. */
export const MODEL = 'gpt-oss-120b';

const LIMITLESS = {
  requestsPerMinute: 1e12,
  requestsPerHour: 1e12,
  requestsPerDay: 1e12,
  tokensPerMinute: 1e12,
  tokensPerHour: 1e12,
  tokensPerDay: 1e12,
};
const DEFAULTS = { temperature: 0.7, maxCompletionTokens: 1_024, topP: 1 };
const CATALOG: ModelEntry[] = [
  { id: 'openai/gpt-oss-120b', model: MODEL, provider: 'groq', name: 'load (Groq)', enabled: true, priority: 1, limits: LIMITLESS, defaults: DEFAULTS },
  { id: MODEL, provider: 'cerebras', name: 'load (Cerebras)', enabled: true, priority: 2, limits: LIMITLESS, defaults: DEFAULTS },
];

const WORDS = ['The', 'gateway', 'relays', 'every', 'token', 'as', 'soon', 'as', 'it', 'arrives', 'from', 'the', 'provider'];

/** `count` distinct word-sized deltas, so a lost, repeated or reordered one changes the text. */
export function answer(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${i === 0 ? '' : ' '}${WORDS[i % WORDS.length]}${i}`);
}

export const chatBody = (text = 'Say hello.') => JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: text }] });

/** How many files this process may open (Node raises the soft limit to the hard one at start). */
function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft) return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    // not Linux
  }
  const out = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
}

/**
 * Throws unless each process may hold `streams` connections at once: this one holds each
 * stream's client-side and upstream sockets, the client and simulator processes one each.
 */
export function requireOpenFiles(streams: number): void {
  const needed = streams * 2 + 512;
  const limit = openFilesLimit();
  if (!(limit >= needed)) {
    throw new Error(
      `${streams} concurrent streams need about ${needed} open files per process, but the limit is ${limit} ` +
        `(\`ulimit -Hn\`; Node raises \`ulimit -n\` to it). Raise the hard limit for the shell or container that runs ` +
        `the suite (e.g. \`ulimit -n ${Math.max(needed, 8_192)}\` as root, or the container's nofile limit) and run again.`,
    );
  }
}

/** A child process of the suite (`node --import tsx <script>`), driven over IPC. */
class ChildChannel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  private exited = false;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      const call = message?.id === undefined ? undefined : this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id!);
      if (message.error !== undefined) call.reject(new Error(`${name}: ${message.error}`));
      else call.resolve(message.result);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      for (const call of this.pending.values()) call.reject(new Error(`${name} exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  /** Starts the script and resolves with its ready message (`{ op: readyOp }`). */
  static async start<Ready>(name: string, script: string, readyOp = 'ready'): Promise<{ channel: ChildChannel; ready: Ready }> {
    const child = fork(script, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const channel = new ChildChannel(name, child);
    try {
      const ready = await channel.message<Ready>(readyOp, 30_000);
      return { channel, ready };
    } catch (error) {
      await channel.stop();
      throw error;
    }
  }

  /** Sends `{ id, op, ...args }` and resolves with the child's result. */
  call<T>(op: string, args: object = {}, timeoutMs = 15_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited (before ${op})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name} did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ id, op, ...args });
    });
  }

  /** Resolves with the next message `{ op, ... }` the child sends of its own accord. */
  message<T>(op: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onMessage = (message: { op?: string }) => {
        if (message?.op !== op) return;
        cleanup();
        resolve(message as T);
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`${this.name} exited (${code ?? signal}) before sending ${op}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} sent no ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  stop(): Promise<void> {
    return stopChild(this.child, 3_000);
  }
}

/** The provider simulator's child process (test/support/simulator/simulator-process.ts). */
export class SimulatorProcess {
  private constructor(
    private readonly channel: ChildChannel,
    readonly groqBaseUrl: string,
    readonly cerebrasBaseUrl: string,
  ) {}

  static async start(): Promise<SimulatorProcess> {
    const { channel, ready } = await ChildChannel.start<{ groqBaseUrl: string; cerebrasBaseUrl: string }>(
      'the simulator process',
      join(ROOT, 'test', 'support', 'simulator', 'simulator-process.ts'),
      'sim:ready',
    );
    return new SimulatorProcess(channel, ready.groqBaseUrl, ready.cerebrasBaseUrl);
  }

  setBehaviour(behaviour: Behaviour): Promise<void> {
    return this.channel.call('sim:behaviour', { behaviour });
  }

  streamStats(): Promise<StreamStats> {
    return this.channel.call('sim:streams');
  }

  resetStreamStats(): Promise<void> {
    return this.channel.call('sim:reset-streams');
  }

  stop(): Promise<void> {
    return this.channel.stop();
  }
}

/** The load client's child process (client-child.ts): each workload runs there. */
export class LoadClient {
  private constructor(private readonly channel: ChildChannel) {}

  static async start(): Promise<LoadClient> {
    const { channel } = await ChildChannel.start('the load client process', join(HERE, 'client-child.ts'));
    return new LoadClient(channel);
  }

  concurrent(args: ConcurrentArgs): Promise<ConcurrentResult> {
    return this.channel.call('concurrent', args, args.deadlineMs + 30_000);
  }

  steady(args: SteadyArgs): Promise<SteadyResult> {
    return this.channel.call('steady', args, args.durationMs + args.requestTimeoutMs + 30_000);
  }

  /** Resolves with the outcome; `onEarlyGone` runs when only the before-done cohort is left. */
  async disconnects(
    args: DisconnectArgs,
    onEarlyGone: (message: EarlyCohortsGone) => Promise<void>,
    timeoutMs: number,
  ): Promise<Record<DisconnectPoint, CohortResult>> {
    const result = this.channel.call<Record<DisconnectPoint, CohortResult>>('disconnects', args, timeoutMs);
    result.catch(() => undefined); // awaited below, after the early check
    const early = await Promise.race([this.channel.message<EarlyCohortsGone>('disconnects:early-gone', timeoutMs), result]);
    if (!('op' in early)) throw new Error('the disconnect workload ended without reporting its early cohorts');
    await onEarlyGone(early as EarlyCohortsGone);
    return result;
  }

  stop(): Promise<void> {
    return this.channel.stop();
  }
}

export interface LoadGateway {
  app: NestFastifyApplication;
  url: string;
  sim: SimulatorProcess;
  usage(): Promise<UsageReportDto>;
  close(): Promise<void>;
}

/**
 * The real app in this process on a free loopback port, its SDKs pointed at the simulator's
 * child process, one model served by Groq and Cerebras with limits it never reaches, and the
 * production timeouts.
 */
export async function startLoadGateway(): Promise<LoadGateway> {
  const sim = await SimulatorProcess.start();
  const modelsFile = join(tmpdir(), `load-models-${process.pid}-${Date.now()}.json`);
  writeFileSync(modelsFile, JSON.stringify(CATALOG));
  try {
    const { app } = await createApp({
      env: {
        GROQ_API_KEY: 'gsk_load_test_key_0123456789',
        CEREBRAS_API_KEY: 'csk_load_test_key_0123456789',
        GROQ_BASE_URL: sim.groqBaseUrl,
        CEREBRAS_BASE_URL: sim.cerebrasBaseUrl,
        MODELS_FILE: modelsFile,
      },
      logger: false,
    });
    // As main.ts: a burst of a thousand new streams must not overflow the accept queue.
    await app.listen({ port: 0, host: '127.0.0.1', backlog: 4_096 });
    const url = await app.getUrl();
    return {
      app,
      url,
      sim,
      async usage() {
        const response = await fetch(`${url}/usage`);
        if (response.status !== 200) throw new Error(`GET /usage answered ${response.status}`);
        return (await response.json()) as UsageReportDto;
      },
      async close() {
        await app.close();
        await sim.stop();
      },
    };
  } catch (error) {
    await sim.stop();
    throw error;
  } finally {
    rmSync(modelsFile, { force: true });
  }
}

/** heapUsed after full collections, once what finalizers and weak callbacks free is gone too. */
export async function heapUsedAfterGc(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('global.gc is missing: the load project runs its worker with --expose-gc (vitest.config.ts)');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** The histogram records whole timer intervals; the delay is what exceeds this. */
const DELAY_RESOLUTION_MS = 10;

/** Event-loop delay of this process (perf_hooks.monitorEventLoopDelay), in milliseconds. */
export class EventLoopDelay {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });

  start(): void {
    this.histogram.reset();
    this.histogram.enable();
  }

  stop(): { samples: number; p50: number; p99: number; max: number } {
    this.histogram.disable();
    const ms = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - DELAY_RESOLUTION_MS);
    return {
      samples: this.histogram.count,
      p50: ms(this.histogram.percentile(50)),
      p99: ms(this.histogram.percentile(99)),
      max: ms(this.histogram.max),
    };
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls an async check until it passes or `timeoutMs` has gone by (then its last error). */
export async function within<T>(timeoutMs: number, check: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
