export interface HostPort {
  host: string;
  port: number;
}

/** Where REDIS_URL points: one server, a master found through Sentinel, or a Redis Cluster. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; masterName: string; db: number; username?: string; password?: string }
  | { kind: 'cluster'; nodes: HostPort[]; username?: string; password?: string };

const SCHEMES = ['redis:', 'rediss:', 'redis-sentinel:', 'redis-cluster:'];

export class RedisUrlError extends Error {}

/**
 * Reads REDIS_URL. Besides `redis://` and `rediss://`, two forms ioredis can serve but a plain
 * URL cannot express: `redis-sentinel://[user:password@]host:port[,host:port…]/master-name[/db]`
 * (the sentinels' addresses and the monitored master's name) and
 * `redis-cluster://[user:password@]host:port[,host:port…]` (any of the cluster's nodes).
 * The password is the data nodes' (Sentinels without a password of their own).
 */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = /^([a-z-]+:)\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme || !SCHEMES.includes(scheme)) {
    throw new RedisUrlError('must be a redis://, rediss://, redis-sentinel:// or redis-cluster:// URL');
  }
  if (scheme === 'redis:' || scheme === 'rediss:') {
    try {
      new URL(url);
    } catch {
      throw new RedisUrlError('is not a valid URL');
    }
    return { kind: 'single', url };
  }
  const rest = url.slice(scheme.length + 2);
  const at = rest.lastIndexOf('@');
  const credentials = at >= 0 ? rest.slice(0, at) : '';
  const [hostList = '', ...path] = rest.slice(at + 1).split('/');
  // A Sentinel listens on 26379 unless told otherwise.
  const defaultPort = scheme === 'redis-sentinel:' ? 26_379 : 6379;
  const hosts = hostList.split(',').map((entry) => parseHostPort(entry, defaultPort));
  const [username, password] = credentials ? splitCredentials(credentials) : [undefined, undefined];
  if (scheme === 'redis-cluster:') {
    if (path.some((segment) => segment !== '')) throw new RedisUrlError('a redis-cluster:// URL has no path (a cluster has one database)');
    return { kind: 'cluster', nodes: hosts, username, password };
  }
  const [masterName, db = '0'] = path;
  if (!masterName) throw new RedisUrlError('a redis-sentinel:// URL needs the master name as its path: redis-sentinel://host:26379/mymaster');
  if (!/^\d+$/.test(db)) throw new RedisUrlError(`database "${db}" is not a number`);
  return { kind: 'sentinel', sentinels: hosts, masterName: decodeURIComponent(masterName), db: Number(db), username, password };
}

/** The URL with its password masked, for messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/(\/\/[^/@]*?:)[^/@]*@/, '$1***@');
}

function parseHostPort(entry: string, defaultPort: number): HostPort {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.trim());
  if (!match) throw new RedisUrlError(`"${entry}" is not a host:port`);
  const port = match[2] ? Number(match[2]) : defaultPort;
  if (port < 1 || port > 65_535) throw new RedisUrlError(`port ${port} is out of range`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

function splitCredentials(credentials: string): [string | undefined, string | undefined] {
  const colon = credentials.indexOf(':');
  if (colon < 0) return [decodeURIComponent(credentials), undefined];
  const username = decodeURIComponent(credentials.slice(0, colon));
  return [username || undefined, decodeURIComponent(credentials.slice(colon + 1))];
}
