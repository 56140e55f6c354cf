// A TCP link between gateways and a redis-server that a test can cut and restore, as a network
// partition would: while cut, open connections are dropped and new ones refused, yet Redis keeps
// running with everything it holds (killing redis-server would lose it all).
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../support/processes.js';

export class RedisLink {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly redisPort: number,
  ) {}

  static async open(redisPort: number): Promise<RedisLink> {
    const link = new RedisLink(await freePort(), redisPort);
    await link.restore();
    return link;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Drops every connection through the link and refuses new ones until `restore`. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.redisPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined); // the other side goes too, below
        socket.on('close', () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }
}
