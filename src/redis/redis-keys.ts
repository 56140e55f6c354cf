import { WINDOW_MS, type WindowName } from '../usage/usage-window.js';

/** One fixed UTC window of an owner: its hash key and its bounds (epoch ms). */
export interface WindowKey {
  name: WindowName;
  start: number;
  end: number;
  key: string;
}

/**
 * Every key the gateway keeps in Redis, named in one place. Each carries the same `{prefix}` hash
 * tag, so all of them live in one Redis Cluster slot and a script may touch any of them. An owner
 * is a deployment's key, or an access key's `client:<name>`.
 */
export class RedisKeys {
  private readonly tag: string;

  constructor(
    prefix: string,
    /** How long keys outlive the window they describe. */
    readonly ttlMs = 3_600_000,
  ) {
    this.tag = `{${prefix}}`;
  }

  /** The owner's window of that size containing `now`; windows are the same fixed UTC windows as in memory. */
  window(owner: string, name: WindowName, now: number): WindowKey {
    const start = now - (now % WINDOW_MS[name]);
    return { name, start, end: start + WINDOW_MS[name], key: this.key(owner, `${name}:${start}`) };
  }

  /** The deployment's cooldown hash: until, reason. */
  cooldown(owner: string): string {
    return this.key(owner, 'cooldown');
  }

  /** Counters since the key was created (requests, completed, failures, tokens, ...). */
  totals(owner: string): string {
    return this.key(owner, 'totals');
  }

  /** The deployment's requests in flight: a sorted set scored by lease expiry. */
  inflight(owner: string): string {
    return this.key(owner, 'inflight');
  }

  /** The provider's newest report of the deployment's limits. */
  providerReport(owner: string): string {
    return this.key(owner, 'ratelimit');
  }

  /** The shared round-robin cursor of one set of candidates. */
  rotation(candidateKeys: string[]): string {
    return this.key(candidateKeys.join('|'), 'rotation');
  }

  /** The set of inflight keys a replica reserved in, so that its next incarnation finds them. */
  replicaInflightKeys(replicaId: string): string {
    return `${this.tag}:replica:${replicaId}:inflight-keys`;
  }

  /** The deployment's shared pace (ROTATION_STRATEGY=latency): averaged time to first token and tokens per second. */
  latency(owner: string): string {
    return this.key(owner, 'latency');
  }

  /** A cached answer (CACHE=redis), under the hash of its request. */
  cachedAnswer(hash: string): string {
    return `${this.tag}:cache:${hash}`;
  }

  /** An output item of a Responses API answer, under its access key's name and its id. */
  responseItem(scopedId: string): string {
    return `${this.tag}:response-item:${scopedId}`;
  }

  /** The dashboard's list of the last finished requests, newest first. */
  recentRequests(): string {
    return `${this.tag}:dashboard:requests`;
  }

  /** The dashboard's counts of one minute (starting at `start`, epoch ms): requests by outcome, tokens, fallbacks. */
  trafficMinute(start: number): string {
    return `${this.tag}:dashboard:minute:${start}`;
  }

  /** The dashboard's answer timings of one minute: time to first token and pace, per deployment. */
  trafficSamples(start: number): string {
    return `${this.tag}:dashboard:samples:${start}`;
  }

  /** The owner under which an access key's counts live. */
  client(name: string): string {
    return `client:${name}`;
  }

  private key(owner: string, suffix: string): string {
    return `${this.tag}:${owner}:${suffix}`;
  }
}
