import { describe, expect, it } from 'vitest';
import { EnvironmentError, validateEnvironment } from './environment.js';

function validationMessage(raw: Record<string, unknown>): string {
  let thrown: unknown;
  try {
    validateEnvironment(raw);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(EnvironmentError);
  return (thrown as EnvironmentError).message;
}

describe('validateEnvironment', () => {
  it('accepts redis:// and rediss:// URLs, with a password and a database', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://:secret@cache.internal:6380/2', 'redis://redis']) {
      expect(validateEnvironment({ REDIS_URL: url }).REDIS_URL).toBe(url);
    }
  });

  it('accepts Sentinel and Cluster forms of REDIS_URL', () => {
    for (const url of ['redis-sentinel://s1:26379,s2:26379/mymaster', 'redis-sentinel://:pw@s1/mymaster/3', 'redis-cluster://n1:7000,n2:7001']) {
      expect(validateEnvironment({ REDIS_URL: url }).REDIS_URL).toBe(url);
    }
  });

  it('refuses a REDIS_URL that is not a redis URL, and an unknown REDIS_FAILURE_MODE', () => {
    expect(validationMessage({ REDIS_URL: 'http://127.0.0.1:6379' })).toContain(
      'REDIS_URL must be a redis://, rediss://, redis-sentinel:// or redis-cluster:// URL',
    );
    expect(validationMessage({ REDIS_URL: 'redis-sentinel://s1:26379' })).toContain('needs the master name');
    expect(validationMessage({ REDIS_FAILURE_MODE: 'sometimes' })).toContain('REDIS_FAILURE_MODE');
  });

  it('never echoes the password of a refused REDIS_URL', () => {
    const message = validationMessage({ REDIS_URL: 'redis-cluster://admin:hunter2@n1:7000/0' });
    expect(message).toContain('redis-cluster://admin:***@n1:7000/0');
    expect(message).not.toContain('hunter2');
  });

  it('fills in the documented defaults for an empty environment', () => {
    const environment = validateEnvironment({});
    expect(environment).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      ROTATION_STRATEGY: 'round-robin',
      AUTO_FALLBACK: true,
      UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: 20_000,
      UPSTREAM_IDLE_TIMEOUT_MS: 30_000,
      SSE_KEEPALIVE_MS: 15_000,
      MAX_MESSAGES: 256,
      MAX_INPUT_CHARS: 400_000,
      BODY_LIMIT_BYTES: 2 * 1024 * 1024,
      DEFAULT_COOLDOWN_MS: 30_000,
      CIRCUIT_BREAKER_ENABLED: true,
      CIRCUIT_BREAKER_WINDOW: 20,
      CIRCUIT_BREAKER_WINDOW_MS: 60_000,
      CIRCUIT_BREAKER_MIN_REQUESTS: 5,
      CIRCUIT_BREAKER_FAILURE_RATIO: 0.5,
      CIRCUIT_BREAKER_COOLDOWN_MS: 30_000,
      CIRCUIT_BREAKER_MAX_COOLDOWN_MS: 300_000,
      REDIS_KEY_PREFIX: 'llm-gateway',
      REDIS_FAILURE_MODE: 'open',
      REDIS_TIMEOUT_MS: 250,
    });
    expect(environment.REDIS_URL).toBeUndefined();
    expect(environment.GROQ_API_KEY).toBeUndefined();
    expect(environment.CEREBRAS_API_KEY).toBeUndefined();
    expect(environment.MODELS_FILE).toBeUndefined();
    expect(environment.GATEWAY_API_KEYS).toBeUndefined();
  });

  it('parses numeric variables from their string form', () => {
    const environment = validateEnvironment({ PORT: '8080', DEFAULT_COOLDOWN_MS: ' 5000 ', MAX_MESSAGES: '12' });
    expect(environment.PORT).toBe(8080);
    expect(environment.DEFAULT_COOLDOWN_MS).toBe(5000);
    expect(environment.MAX_MESSAGES).toBe(12);
  });

  it('accepts every rotation strategy by name', () => {
    for (const name of ['round-robin', 'random', 'least-used', 'priority']) {
      expect(validateEnvironment({ ROTATION_STRATEGY: name }).ROTATION_STRATEGY).toBe(name);
    }
  });

  it.each([
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['no', false],
    ['off', false],
    ['true', true],
    ['1', true],
    ['yes', true],
    [' On ', true],
  ])('parses AUTO_FALLBACK=%j as %s', (value, expected) => {
    expect(validateEnvironment({ AUTO_FALLBACK: value }).AUTO_FALLBACK).toBe(expected);
  });

  it('keeps GATEWAY_API_KEYS as the path given, and treats an empty one as unset (the gateway open)', () => {
    expect(validateEnvironment({ GATEWAY_API_KEYS: './keys.json' }).GATEWAY_API_KEYS).toBe('./keys.json');
    expect(validateEnvironment({ GATEWAY_API_KEYS: ' ' }).GATEWAY_API_KEYS).toBeUndefined();
  });

  it('treats an empty GROQ_API_KEY= as unset', () => {
    expect(validateEnvironment({ GROQ_API_KEY: '' }).GROQ_API_KEY).toBeUndefined();
    expect(validateEnvironment({ CEREBRAS_API_KEY: '  ' }).CEREBRAS_API_KEY).toBeUndefined();
  });

  it('keeps a set key as given', () => {
    expect(validateEnvironment({ GROQ_API_KEY: 'gsk_abc' }).GROQ_API_KEY).toBe('gsk_abc');
  });

  it.each([
    ['abc', 'must be an integer'],
    ['3.5', 'must be an integer'],
    ['70000', 'not be greater than 65535'],
    ['-1', 'not be less than 0'],
  ])('rejects PORT=%j, naming PORT and what it accepts (%s)', (value, accepted) => {
    const message = validationMessage({ PORT: value });
    expect(message).toContain('PORT');
    expect(message).toContain(accepted);
  });

  it('rejects an unknown ROTATION_STRATEGY, listing the accepted strategies', () => {
    const message = validationMessage({ ROTATION_STRATEGY: 'fastest' });
    expect(message).toContain('ROTATION_STRATEGY');
    for (const name of ['round-robin', 'random', 'least-used', 'priority']) expect(message).toContain(name);
  });

  it('rejects AUTO_FALLBACK=maybe, naming the variable and the values it accepts', () => {
    const message = validationMessage({ AUTO_FALLBACK: 'maybe' });
    expect(message).toContain('AUTO_FALLBACK');
    expect(message).toContain('true');
    expect(message).toContain('false');
  });

  it('names every bad variable in one error', () => {
    const message = validationMessage({ PORT: 'abc', ROTATION_STRATEGY: 'fastest', GROQ_BASE_URL: 'not a url' });
    expect(message).toContain('PORT');
    expect(message).toContain('ROTATION_STRATEGY');
    expect(message).toContain('GROQ_BASE_URL');
  });

  it('never echoes the value of a bad *_KEY variable', () => {
    const message = validationMessage({ GROQ_API_KEY: ['gsk_secret_value'], CEREBRAS_API_KEY: 987654321 });
    expect(message).toContain('GROQ_API_KEY');
    expect(message).toContain('CEREBRAS_API_KEY');
    expect(message).not.toContain('gsk_secret_value');
    expect(message).not.toContain('987654321');
  });

  it('parses the circuit breaker variables, the failure ratio as a fraction', () => {
    const environment = validateEnvironment({
      CIRCUIT_BREAKER_ENABLED: 'off',
      CIRCUIT_BREAKER_WINDOW: '10',
      CIRCUIT_BREAKER_MIN_REQUESTS: '0',
      CIRCUIT_BREAKER_FAILURE_RATIO: '0.75',
      CIRCUIT_BREAKER_COOLDOWN_MS: '1000',
      CIRCUIT_BREAKER_MAX_COOLDOWN_MS: '8000',
    });
    expect(environment).toMatchObject({
      CIRCUIT_BREAKER_ENABLED: false,
      CIRCUIT_BREAKER_WINDOW: 10,
      CIRCUIT_BREAKER_MIN_REQUESTS: 0,
      CIRCUIT_BREAKER_FAILURE_RATIO: 0.75,
      CIRCUIT_BREAKER_COOLDOWN_MS: 1000,
      CIRCUIT_BREAKER_MAX_COOLDOWN_MS: 8000,
    });
  });

  it.each([['0'], ['1.5'], ['-0.2'], ['half']])('rejects CIRCUIT_BREAKER_FAILURE_RATIO=%j', (value) => {
    expect(validationMessage({ CIRCUIT_BREAKER_FAILURE_RATIO: value })).toContain('CIRCUIT_BREAKER_FAILURE_RATIO');
  });

  it('rejects a CIRCUIT_BREAKER_MIN_REQUESTS larger than the window it is counted in', () => {
    const message = validationMessage({ CIRCUIT_BREAKER_WINDOW: '4', CIRCUIT_BREAKER_MIN_REQUESTS: '5' });
    expect(message).toContain('CIRCUIT_BREAKER_MIN_REQUESTS must not be greater than CIRCUIT_BREAKER_WINDOW');
  });

  it('rejects a CIRCUIT_BREAKER_COOLDOWN_MS above CIRCUIT_BREAKER_MAX_COOLDOWN_MS', () => {
    const message = validationMessage({ CIRCUIT_BREAKER_COOLDOWN_MS: '600000' });
    expect(message).toContain('CIRCUIT_BREAKER_COOLDOWN_MS must not be greater than CIRCUIT_BREAKER_MAX_COOLDOWN_MS');
  });

  it('requires a base URL to be http(s)', () => {
    expect(validationMessage({ CEREBRAS_BASE_URL: 'ftp://example.com' })).toContain('CEREBRAS_BASE_URL');
    expect(validateEnvironment({ GROQ_BASE_URL: 'http://127.0.0.1:4010' }).GROQ_BASE_URL).toBe('http://127.0.0.1:4010');
  });
});
