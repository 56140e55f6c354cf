import type { Cluster, Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/** A deployment's shared pace (the fields of its hash): EWMA of time to first token and of tokens per second, answers seen. */
export interface SharedPace {
  timeToFirstTokenMs: number;
  tokensPerSecond: number | null;
  answers: number;
}

/**
 * Folds one answer into the deployment's averages. KEYS: its latency hash. ARGV: time to first
 * token, tokens per second ('' = none), the new sample's weight, key TTL in ms.
 */
const RECORD_SCRIPT = `
local current = redis.call('HMGET', KEYS[1], 't', 's', 'n')
local t, s, n = current[1], current[2], current[3]
local weight = tonumber(ARGV[3])
local ttft = tonumber(ARGV[1])
if t then t = tonumber(t) + weight * (ttft - tonumber(t)) else t = ttft end
if ARGV[2] ~= '' then
  local pace = tonumber(ARGV[2])
  if s then s = tonumber(s) + weight * (pace - tonumber(s)) else s = pace end
  redis.call('HSET', KEYS[1], 's', tostring(s))
end
redis.call('HSET', KEYS[1], 't', tostring(t), 'n', tonumber(n or '0') + 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
`;

type LatencyCommands = (Redis | Cluster) & {
  gatewayRecordLatency(...args: Array<string | number>): Promise<unknown>;
};

/** Every replica's estimate of each deployment's pace (ROTATION_STRATEGY=latency with REDIS_URL). */
export class LatencyBoard {
  private readonly redis: LatencyCommands;

  constructor(
    redis: Redis | Cluster,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand('gatewayRecordLatency', { numberOfKeys: 1, lua: RECORD_SCRIPT });
    this.redis = redis as LatencyCommands;
  }

  async record(deploymentKey: string, firstTokenMs: number, tokensPerSecond: number | null, weight: number): Promise<void> {
    await this.redis.gatewayRecordLatency(this.keys.latency(deploymentKey), firstTokenMs, tokensPerSecond ?? '', weight, this.keys.ttlMs * 24);
  }

  /** The shared figures of these deployments; a deployment without any (or with unreadable ones) is left out. */
  async read(deploymentKeys: readonly string[]): Promise<Map<string, SharedPace>> {
    const hashes = await Promise.all(deploymentKeys.map((key) => this.redis.hgetall(this.keys.latency(key))));
    const figures = new Map<string, SharedPace>();
    hashes.forEach((hash, index) => {
      const [ttft, pace, answers] = [Number(hash.t), hash.s === undefined ? null : Number(hash.s), Number(hash.n)];
      if (!Number.isFinite(ttft) || ttft < 0 || !Number.isSafeInteger(answers) || answers < 1) return;
      figures.set(deploymentKeys[index]!, { timeToFirstTokenMs: ttft, tokensPerSecond: pace !== null && Number.isFinite(pace) && pace > 0 ? pace : null, answers });
    });
    return figures;
  }
}
