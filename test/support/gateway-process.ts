// The built gateway (dist/main.js) as a real OS process, as it runs in production: its own
// event loop, heap and clock, configured by its environment only. For tests about several
// replicas and about the process itself (signals, exit codes). Needs `npm run build` first
// (`npm run test:redis` runs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelEntry } from '../../src/config/model-catalog.js';
import { afterAll, afterEach, beforeAll, onTestFailed } from 'vitest';
import { ProviderSimulator } from './simulator/provider-simulator.js';
import { catalogFile, TEST_CEREBRAS_KEY, TEST_GROQ_KEY } from './gateway-harness.js';
import { freePort, stopChild } from './processes.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');

/** All that is taken from this process's environment: keys and gateway settings never are. */
const INHERITED_VARIABLES = ['PATH', 'HOME', 'TMPDIR', 'LANG'];

const START_TIMEOUT_MS = 15_000;
/** Enough for any start-up error and a test's worth of warnings, without growing forever. */
const MAX_OUTPUT_CHARS = 256 * 1024;

export interface GatewayProcessOptions {
  /** The provider keys and base URLs point at it. */
  sim: ProviderSimulator;
  /** A catalog written to a temporary MODELS_FILE; the built-in catalog without it. */
  models?: ModelEntry[];
  /** Extra environment, applied last. */
  env?: Record<string, string>;
  /** Run it on a pseudo-terminal (through util-linux `script`), as someone at a shell would. */
  terminal?: boolean;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GatewayProcess {
  url: string;
  pid: number;
  /** Settles once the process has ended and all of its output has been read. */
  exited: Promise<ProcessExit>;
  /** Its stdout and stderr so far, interleaved (for failure messages). */
  output(): string;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, SIGKILL if it is still there after 5 s; resolves once it has exited. */
  close(): Promise<void>;
}

/** Processes still running, killed if this test worker exits without closing them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Resolves once the process answers GET /health/live with 200. */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (\`npm run test:redis\` does).`);
  // freePort's port may be taken by someone else before the gateway listens on it: try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(options, await freePort());
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function launch(options: GatewayProcessOptions, port: number): Promise<GatewayProcess> {
  // The working directory stays empty: main.ts loads a .env from it, and a developer's must not
  // leak into a test. The catalog lives next to it.
  const home = mkdtempSync(join(tmpdir(), 'gateway-process-'));
  const cwd = join(home, 'cwd');
  mkdirSync(cwd);
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, {
    NODE_ENV: 'production',
    NO_COLOR: '1', // plain log lines in output()
    GROQ_API_KEY: TEST_GROQ_KEY,
    CEREBRAS_API_KEY: TEST_CEREBRAS_KEY,
    GROQ_BASE_URL: options.sim.groqBaseUrl,
    CEREBRAS_BASE_URL: options.sim.cerebrasBaseUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '2000',
    UPSTREAM_IDLE_TIMEOUT_MS: '2000',
    // The simulator lists only the models it was told of: a test that wants discovery turns it on.
    MODEL_DISCOVERY_INTERVAL_MS: '0',
  });
  if (options.models) {
    env.MODELS_FILE = join(home, 'models.json');
    writeFileSync(env.MODELS_FILE, JSON.stringify(catalogFile(options.models, options.sim)));
  }
  Object.assign(env, options.env);

  const [command, args] = options.terminal
    ? ['script', ['--quiet', '--flush', '--return', '--command', `'${process.execPath}' '${MAIN}'`, '/dev/null']]
    : [process.execPath, [MAIN]];
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  installExitHook();
  let output = '';
  const append = (chunk: string) => {
    output += chunk;
    if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  child.on('error', (error) => append(`\n[spawn error] ${error.message}\n`));
  let ended = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('close', (code, signal) => {
      ended = true;
      running.delete(child);
      rmSync(home, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });

  const url = `http://127.0.0.1:${port}`;
  const gateway: GatewayProcess = {
    url,
    pid: child.pid!,
    exited,
    output: () => output,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
    async close() {
      await stopChild(child, 5_000);
      await exited;
    },
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (ended) {
      const { code, signal } = await exited;
      const message = `the gateway process exited (${code ?? signal}) before it was live:\n${output}`;
      throw output.includes('EADDRINUSE') ? new PortTakenError(message) : new Error(message);
    }
    if (await answersLive(url)) return gateway;
    if (Date.now() > deadline) {
      await gateway.close();
      throw new Error(`the gateway process was not live within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), exited]);
  }
}

async function answersLive(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false; // not listening yet
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/**
 * For a spec file of gateway processes: one provider simulator for the file (reset after each
 * test), and `start` for a gateway process that is closed after the test, its output printed when
 * the test failed.
 */
export function gatewayProcessPerTest(): {
  sim: ProviderSimulator;
  start: (options?: Omit<GatewayProcessOptions, 'sim'>) => Promise<GatewayProcess>;
} {
  const sim = new ProviderSimulator();
  const running: GatewayProcess[] = [];
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  afterEach(async () => {
    await Promise.all(running.splice(0).map((gateway) => gateway.close()));
    sim.reset();
  });
  return {
    sim,
    start: async (options = {}) => {
      const gateway = await startGatewayProcess({ ...options, sim });
      running.push(gateway);
      onTestFailed(() => console.error(`--- gateway output (pid ${gateway.pid}):\n${gateway.output()}`));
      return gateway;
    },
  };
}
