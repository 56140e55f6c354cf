// The benchmark's child processes: spawned with an IPC channel, their output in a log file, and
// all of them stopped when the benchmark ends, fails or is interrupted (no orphans).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** What bench/probe.mjs reports for its measurement window. */
export interface ProbeReport {
  elapsedMs: number;
  cpuMs: number;
  rssBytes: number;
  peakRssBytes: number;
  eventLoopDelayMs: { samples: number; p50: number; p99: number; max: number };
}

/** What bench/probe.mjs reports for `probe:memory` (bytes). */
export interface MemorySnapshot {
  /** A full garbage collection ran first (the process was started with --expose-gc). */
  collected: boolean;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

interface Reply {
  id: number;
  result: unknown;
}

const running = new Set<BenchProcess>();

export class BenchProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private exitCode: number | string | null | undefined;
  readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    running.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? signal;
        running.delete(this);
        for (const settle of this.pending.values()) settle(undefined);
        this.pending.clear();
        resolve();
      });
    });
    child.on('message', (message: Reply) => {
      const settle = this.pending.get(message?.id);
      if (!settle) return;
      this.pending.delete(message.id);
      settle(message.result);
    });
  }

  /** Starts `node <args>` with an IPC channel; stdout and stderr go to `logFile`. */
  static start(name: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): BenchProcess {
    const log = openSync(logFile, 'a');
    try {
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', log, log, 'ipc'] });
      return new BenchProcess(name, logFile, child);
    } finally {
      closeSync(log); // the child has its own copy
    }
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends `{ id, op, ...args }` and resolves with the child's `result`. */
  async call<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<T> {
    if (!this.running) throw new Error(`${this.name} has exited (${this.exitCode}); see ${this.logFile}`);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name} did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        if (!this.running && result === undefined) reject(new Error(`${this.name} exited during ${op}; see ${this.logFile}`));
        else resolve(result as T);
      });
      this.child.send({ id, op, ...args });
    });
  }

  /** Resolves with the first message the predicate accepts. */
  waitForMessage<T>(accept: (message: unknown) => message is T, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (!accept(message)) return;
        cleanup();
        resolve(message);
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`${this.name} exited before it was ready:\n${this.logTail()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.logTail()}`));
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

  resetProbe(): Promise<null> {
    return this.call('probe:reset');
  }

  probe(): Promise<ProbeReport> {
    return this.call('probe:report');
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Last resort from a synchronous 'exit' handler. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

let cleanupInstalled = false;

/** Stops every child on Ctrl-C, SIGTERM, an uncaught error, or any exit of this process. */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the benchmark's processes`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  const fail = (error: unknown) => {
    console.error(error);
    void stopAll().finally(() => process.exit(1));
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
}

/** A port nobody listens on right now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
