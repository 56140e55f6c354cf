// Throwaway Redis Sentinel and Redis Cluster set-ups on free ports, built from Debian's
// redis-server and redis-cli (the redis-server package brings both), to run the gateway
// against REDIS_URL's redis-sentinel:// and redis-cluster:// forms.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../support/processes.js';

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI_BIN ?? 'redis-cli';

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One Redis command on a short-lived connection; throws while the server is not up. */
async function ask(port: number, ...command: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(command[0]!, ...command.slice(1));
  } finally {
    client.disconnect();
  }
}

/** redis-server processes sharing a scratch directory, all stopped together. */
abstract class Topology {
  protected readonly children: ChildProcess[] = [];
  protected readonly directory = mkdtempSync(join(tmpdir(), 'redis-topology-'));

  protected spawnServer(args: string[]): void {
    const child = spawn(REDIS_SERVER, args, { cwd: this.directory, stdio: 'ignore' });
    child.on('error', () => {}); // a missing binary shows up as the server never answering
    this.children.push(child);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** A master and one Sentinel monitoring it as `gateway-master`. */
export class SentinelSetup extends Topology {
  readonly masterName = 'gateway-master';
  private masterPort = 0;
  private sentinelPort = 0;

  static async start(): Promise<SentinelSetup> {
    const setup = new SentinelSetup();
    [setup.masterPort, setup.sentinelPort] = await Promise.all([freePort(), freePort()]);
    setup.spawnServer(['--port', String(setup.masterPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await until(async () => (await ask(setup.masterPort, 'PING')) === 'PONG', 'the master did not answer');
    // Sentinel rewrites its configuration file, so it gets one of its own.
    const config = join(setup.directory, 'sentinel.conf');
    writeFileSync(
      config,
      [`port ${setup.sentinelPort}`, 'bind 127.0.0.1', `sentinel monitor ${setup.masterName} 127.0.0.1 ${setup.masterPort} 1`, ''].join('\n'),
    );
    setup.spawnServer([config, '--sentinel']);
    await until(async () => {
      const address = (await ask(setup.sentinelPort, 'SENTINEL', 'get-master-addr-by-name', setup.masterName)) as string[] | null;
      return address?.[1] === String(setup.masterPort);
    }, 'the sentinel did not report the master');
    return setup;
  }

  get url(): string {
    return `redis-sentinel://127.0.0.1:${this.sentinelPort}/${this.masterName}`;
  }

  /** A plain client on the master, for inspecting what the gateway stored. */
  master(): Redis {
    return new Redis({ port: this.masterPort, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  }
}

/** Three masters sharing the 16,384 slots, no replicas. */
export class ClusterSetup extends Topology {
  private ports: number[] = [];

  static async start(): Promise<ClusterSetup> {
    const setup = new ClusterSetup();
    setup.ports = await Promise.all([freePort(), freePort(), freePort()]);
    for (const port of setup.ports) {
      setup.spawnServer([
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
      ]);
    }
    for (const port of setup.ports) await until(async () => (await ask(port, 'PING')) === 'PONG', `node ${port} did not answer`);
    await promisify(execFile)(REDIS_CLI, [
      '--cluster', 'create', ...setup.ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes',
    ]);
    await until(async () => {
      const states = await Promise.all(setup.ports.map(async (port) => String(await ask(port, 'CLUSTER', 'INFO'))));
      return states.every((info) => info.includes('cluster_state:ok'));
    }, 'the cluster did not reach state ok');
    return setup;
  }

  /** How many keys matching `pattern` each node holds. */
  async keysPerNode(pattern: string): Promise<number[]> {
    return Promise.all(this.ports.map(async (port) => ((await ask(port, 'KEYS', pattern)) as string[]).length));
  }

  get url(): string {
    return `redis-cluster://${this.ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
  }
}
