// A throwaway redis-server for a test file: its own port, no persistence, stopped and restarted
// on demand (to test a gateway losing and regaining Redis). Needs Debian's redis-server, which
// .ci/run installs; `npm run test:redis` runs these tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../support/processes.js';

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export class RedisServer {
  private process: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.process) return;
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.process = child;
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`could not start ${REDIS_SERVER} (install Debian's redis-server): ${error.message}`)));
      child.once('exit', (code) => reject(new Error(`${REDIS_SERVER} exited with code ${code}`)));
    });
    await Promise.race([this.waitForPing(), failed]);
  }

  /** Kills the server as a crash would (SIGKILL): clients see the connection drop. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = null;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
  }

  /** A plain client for inspecting what the gateway stored. */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }

  private async waitForPing(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {}); // refused until the server is up: expected while waiting
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer within 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
  }
}
