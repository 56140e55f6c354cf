import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  validateSync,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { parseRedisUrl, redactRedisUrl, RedisUrlError } from './redis-url.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const ROTATION_STRATEGIES = ['round-robin', 'random', 'least-used', 'priority', 'latency'] as const;
export const REDIS_FAILURE_MODES = ['open', 'closed'] as const;
export const CACHE_MODES = ['off', 'memory', 'redis'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];
export type RedisFailureMode = (typeof REDIS_FAILURE_MODES)[number];
export type RotationStrategyName = (typeof ROTATION_STRATEGIES)[number];

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const normalised = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalised)) return true;
  if (['false', '0', 'no', 'off'].includes(normalised)) return false;
  return value;
};

const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;

const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;

@ValidatorConstraint({ name: 'isRedisUrl' })
class IsRedisUrl implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return redisUrlProblem(value) === null;
  }

  defaultMessage({ property, value }: ValidationArguments): string {
    return `${property} ${redisUrlProblem(value)}`;
  }
}

function redisUrlProblem(value: unknown): string | null {
  try {
    parseRedisUrl(String(value));
    return null;
  } catch (error) {
    if (error instanceof RedisUrlError) return error.message;
    throw error;
  }
}

/** `@Validate(AtMost, ['OTHER'])`: the value must not exceed the (valid) value of OTHER. */
@ValidatorConstraint({ name: 'atMost' })
class AtMost implements ValidatorConstraintInterface {
  validate(value: unknown, { constraints, object }: ValidationArguments): boolean {
    const other = (object as Record<string, unknown>)[constraints[0] as string];
    return typeof value !== 'number' || typeof other !== 'number' || value <= other;
  }

  defaultMessage({ property, constraints }: ValidationArguments): string {
    return `${property} must not be greater than ${constraints[0] as string}`;
  }
}

@ValidatorConstraint({ name: 'needsRedis' })
class NeedsRedisUrl implements ValidatorConstraintInterface {
  validate(value: unknown, { object }: ValidationArguments): boolean {
    return value !== 'redis' || (object as { REDIS_URL?: string }).REDIS_URL !== undefined;
  }

  defaultMessage({ property }: ValidationArguments): string {
    return `${property}=redis needs REDIS_URL`;
  }
}

const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every environment variable the gateway reads. Validated once at start-up:
 * a bad value stops the process with a message naming the variable.
 */
export class Environment {
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(1)
  GROQ_API_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(1)
  CEREBRAS_API_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  GROQ_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  CEREBRAS_BASE_URL?: string;

  /** Comma-separated origins, or `*`. Unset: no CORS headers. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  ALLOWED_ORIGINS?: string;

  @IsIn(ROTATION_STRATEGIES)
  ROTATION_STRATEGY: RotationStrategyName = 'round-robin';

  @Transform(toBoolean)
  @IsBoolean({ message: 'AUTO_FALLBACK must be one of true, false, 1, 0, yes, no, on, off' })
  AUTO_FALLBACK = true;

  /**
   * ROTATION_STRATEGY=latency: after how many completed answers an old one counts half in a
   * deployment's averaged time to first token and tokens per second.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(10_000)
  LATENCY_HALF_LIFE_ANSWERS = 10;

  /** ROTATION_STRATEGY=latency: the share of requests sent first to another deployment than the fastest, so a recovered one is noticed. */
  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(1)
  LATENCY_EXPLORATION = 0.05;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  MODELS_FILE?: string;

  /**
   * How often each configured provider's model list is read (and once at start-up): a catalog
   * model the provider no longer offers is skipped, one it offers again is restored. 0: never.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  MODEL_DISCOVERY_INTERVAL_MS = 3_600_000;

  /** Serve the models a provider lists that the catalog does not use, with default limits. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'DISCOVERY_AUTO_ENABLE must be one of true, false, 1, 0, yes, no, on, off' })
  DISCOVERY_AUTO_ENABLE = false;

  /**
   * Path to the JSON file of client access keys (name, SHA-256 of the key, optional limits and
   * models). Unset: the gateway is open to anyone who can reach it.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  GATEWAY_API_KEYS?: string;

  /**
   * Shared limits for several replicas: `redis://`, `rediss://`, `redis-sentinel://`,
   * `redis-cluster://` (see redis-target.ts). Unset: limits live in this process.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Validate(IsRedisUrl)
  REDIS_URL?: string;

  /** Every key the gateway writes starts with `{REDIS_KEY_PREFIX}:`. */
  @IsString()
  @MinLength(1)
  REDIS_KEY_PREFIX = 'llm-gateway';

  /** When Redis is unreachable: `open` serves with this process's own limits, `closed` answers 503. */
  @IsIn(REDIS_FAILURE_MODES)
  REDIS_FAILURE_MODE: RedisFailureMode = 'open';

  /** The exact response cache: `off`, `memory` (per replica) or `redis` (shared; needs REDIS_URL). */
  @IsIn(CACHE_MODES)
  @Validate(NeedsRedisUrl)
  CACHE: CacheMode = 'off';

  /** How long a cached answer is served. */
  @Transform(toInteger)
  @IsInt()
  @Min(1_000)
  CACHE_TTL_MS = 3_600_000;

  /** CACHE=memory: the most the cached answers may take (least recently used out first). */
  @Transform(toInteger)
  @IsInt()
  @Min(1_048_576)
  CACHE_MAX_BYTES = 67_108_864;

  /** Cache requests with `temperature: 0` without their asking (`x-gateway-cache: use`). */
  @Transform(toBoolean)
  @IsBoolean({ message: 'CACHE_ZERO_TEMPERATURE must be one of true, false, 1, 0, yes, no, on, off' })
  CACHE_ZERO_TEMPERATURE = true;

  /** One cache for every access key; by default each key has its own, so no answer passes between keys. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'CACHE_SHARED_ACROSS_KEYS must be one of true, false, 1, 0, yes, no, on, off' })
  CACHE_SHARED_ACROSS_KEYS = false;

  /** No Redis command may hold a request longer than this. */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  REDIS_TIMEOUT_MS = 250;

  @Transform(toInteger)
  @IsInt()
  @Min(100)
  UPSTREAM_FIRST_TOKEN_TIMEOUT_MS = 20_000;

  @Transform(toInteger)
  @IsInt()
  @Min(100)
  UPSTREAM_IDLE_TIMEOUT_MS = 30_000;

  /**
   * A streaming client whose socket takes nothing for this long (the gateway's writes stay
   * buffered) is disconnected; booked as the client's cancellation, never as a provider's fault.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  CLIENT_WRITE_TIMEOUT_MS = 30_000;

  /**
   * A request (headers and body) must arrive within this long of its first byte, else 408.
   * Headers alone must arrive within min(60 s, this).
   */
  @Transform(toInteger)
  @IsInt()
  @Min(1_000)
  REQUEST_BODY_TIMEOUT_MS = 30_000;

  /** Interval of the `: ping` comment on a quiet SSE stream. */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  SSE_KEEPALIVE_MS = 15_000;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  MAX_MESSAGES = 256;

  /** Cap on the summed length of all message contents, in characters. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  MAX_INPUT_CHARS = 400_000;

  /** `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevelName = 'info';

  /** `auto`: readable on a terminal, JSON lines otherwise; or always `json` / `pretty`. */
  @IsIn(LOG_FORMATS)
  LOG_FORMAT: LogFormat = 'auto';

  /** On SIGTERM, how long answers in flight may take to finish before they are cut off. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS = 30_000;

  /** Cap on the request body, in bytes. */
  @Transform(toInteger)
  @IsInt()
  @Min(1024)
  BODY_LIMIT_BYTES = 2 * 1024 * 1024;

  /** Cooldown applied after an upstream 429 that carries no retry-after. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  DEFAULT_COOLDOWN_MS = 30_000;

  /** Takes a deployment failing most of its recent requests out of rotation for a while. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'CIRCUIT_BREAKER_ENABLED must be one of true, false, 1, 0, yes, no, on, off' })
  CIRCUIT_BREAKER_ENABLED = true;

  /** How many of a deployment's latest attempts the circuit breaker weighs. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  CIRCUIT_BREAKER_WINDOW = 20;

  /** Attempts older than this no longer count. */
  @Transform(toInteger)
  @IsInt()
  @Min(1_000)
  CIRCUIT_BREAKER_WINDOW_MS = 60_000;

  /** Fewer attempts than this in the window never trip the circuit; 0 turns the breaker off. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Validate(AtMost, ['CIRCUIT_BREAKER_WINDOW'])
  CIRCUIT_BREAKER_MIN_REQUESTS = 5;

  /** The share of failed attempts in the window that trips the circuit. */
  @Transform(toNumber)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(1)
  CIRCUIT_BREAKER_FAILURE_RATIO = 0.5;

  /** How long a tripped circuit stays open before one probe request is let through. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Validate(AtMost, ['CIRCUIT_BREAKER_MAX_COOLDOWN_MS'])
  CIRCUIT_BREAKER_COOLDOWN_MS = 30_000;

  /** Each failed probe doubles the open time, up to this. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  CIRCUIT_BREAKER_MAX_COOLDOWN_MS = 300_000;

  /**
   * This replica's name in Redis, the same across its restarts and unique among live replicas:
   * once restarted it releases what its previous run left in flight. Unset: host name and PORT.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\S{1,200}$/, { message: 'REDIS_REPLICA_ID must be 1 to 200 characters without spaces' })
  REDIS_REPLICA_ID?: string;
}

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** Used by ConfigModule: returns the typed environment or throws naming each bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const environment = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(environment);
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const accepted = Object.values(error.constraints ?? {}).join('; ');
      // Never echo a key, even a malformed one.
      const shown = error.property.endsWith('_KEY')
        ? '<redacted>'
        : JSON.stringify(typeof error.value === 'string' ? redactRedisUrl(error.value) : error.value);
      return `  ${error.property}=${shown}: ${accepted}`;
    });
    throw new EnvironmentError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return environment;
}
