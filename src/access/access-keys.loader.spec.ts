// The loader's @Type decorators read design-time metadata; main.ts loads this polyfill first.
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../config/environment.js';
import { generateAccessKey, hashAccessKey } from './access-key.js';
import { AccessKeysError, loadAccessKeys, validateAccessKeys } from './access-keys.loader.js';

const directory = mkdtempSync(join(tmpdir(), 'access-keys-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let files = 0;
function keysFile(content: unknown): string {
  const path = join(directory, `keys-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const HASH_A = hashAccessKey(generateAccessKey());
const HASH_B = hashAccessKey(generateAccessKey());

function keysError(run: () => unknown): string {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AccessKeysError);
  return (thrown as AccessKeysError).message;
}

describe('loadAccessKeys', () => {
  it('returns null (the gateway is open) when GATEWAY_API_KEYS is unset', () => {
    expect(loadAccessKeys(undefined)).toBeNull();
  });

  it('returns the entries of the file, limits and models included', () => {
    const entries = [
      { name: 'team-a', sha256: HASH_A },
      { name: 'team_b.v2', sha256: HASH_B, limits: { requestsPerMinute: 60, tokensPerDay: 500_000 }, models: ['gpt-oss-120b', 'cerebras/qwen-3.8-27b'] },
    ];
    expect(loadAccessKeys(keysFile(entries))).toEqual(entries);
  });

  it('names the variable and the file when it cannot be read', () => {
    const missing = join(directory, 'nope.json');
    const message = keysError(() => loadAccessKeys(missing));
    expect(message).toContain(`GATEWAY_API_KEYS=${missing}`);
    expect(message).toContain('cannot read');
  });

  it('says the file is not valid JSON without quoting any of it (it holds hashes)', () => {
    const path = keysFile(`[{"name":"a","sha256":${HASH_A}}]`);
    const message = keysError(() => loadAccessKeys(path));
    expect(message).toContain(`GATEWAY_API_KEYS=${path}: not valid JSON`);
    expect(message).not.toContain(HASH_A.slice(0, 8));
  });

  it('is an environment error, which main.ts prints without a stack trace', () => {
    let thrown: unknown;
    try {
      loadAccessKeys(keysFile('{'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EnvironmentError);
    expect((thrown as Error).name).toBe('EnvironmentError');
  });

  it('rejects an empty array and anything but an array', () => {
    expect(keysError(() => loadAccessKeys(keysFile([])))).toMatch(/GATEWAY_API_KEYS=.*non-empty JSON array/);
    expect(keysError(() => loadAccessKeys(keysFile({ keys: [] })))).toContain('non-empty JSON array');
  });
});

describe('validateAccessKeys', () => {
  it.each([
    ['uppercase hex', HASH_A.toUpperCase()],
    ['63 digits', HASH_A.slice(1)],
    ['not hex', 'z'.repeat(64)],
    ['the key itself', generateAccessKey()],
    ['a number', 42],
  ])('rejects a sha256 that is %s, naming the entry and the field, never the value', (_case, sha256) => {
    const message = keysError(() => validateAccessKeys([{ name: 'ok', sha256: HASH_B }, { name: 'team-a', sha256 }], 'test'));
    expect(message).toContain('entry 1 (team-a).sha256: sha256 must be the SHA-256 of the key as 64 lowercase hex digits');
    expect(message).not.toContain('entry 0');
    expect(message).not.toContain(String(sha256));
  });

  it('rejects a missing sha256 and a missing or malformed name', () => {
    expect(keysError(() => validateAccessKeys([{ name: 'team-a' }], 'test'))).toContain('entry 0 (team-a).sha256');
    expect(keysError(() => validateAccessKeys([{ sha256: HASH_A }], 'test'))).toContain('entry 0.name');
    expect(keysError(() => validateAccessKeys([{ name: 'team a', sha256: HASH_A }], 'test'))).toContain(
      'entry 0 (team a).name: name must be 1 to 64 letters, digits',
    );
  });

  it('rejects an unknown field, at the top and inside limits', () => {
    const top = keysError(() => validateAccessKeys([{ name: 'team-a', sha256: HASH_A, allowedModels: ['x'] }], 'test'));
    expect(top).toContain('entry 0 (team-a).allowedModels: unknown field');
    const nested = keysError(() => validateAccessKeys([{ name: 'team-a', sha256: HASH_A, limits: { requestsPerHour: 5 } }], 'test'));
    expect(nested).toContain('entry 0 (team-a).limits.requestsPerHour: unknown field');
  });

  it('rejects limits that are not whole numbers of at least 1, or not an object', () => {
    const message = keysError(() =>
      validateAccessKeys([{ name: 'team-a', sha256: HASH_A, limits: { requestsPerMinute: 0, tokensPerDay: 1.5 } }], 'test'),
    );
    expect(message).toContain('entry 0 (team-a).limits.requestsPerMinute');
    expect(message).toContain('entry 0 (team-a).limits.tokensPerDay');
    expect(keysError(() => validateAccessKeys([{ name: 'b', sha256: HASH_A, limits: 60 }], 'test'))).toContain('entry 0 (b).limits');
    expect(keysError(() => validateAccessKeys([{ name: 'c', sha256: HASH_A, limits: [] }], 'test'))).toContain('entry 0 (c).limits');
  });

  it('rejects models that is empty (it would allow nothing), repeats itself or holds a non-string', () => {
    expect(keysError(() => validateAccessKeys([{ name: 'a', sha256: HASH_A, models: [] }], 'test'))).toContain('entry 0 (a).models');
    expect(keysError(() => validateAccessKeys([{ name: 'a', sha256: HASH_A, models: ['m', 'm'] }], 'test'))).toContain('entry 0 (a).models');
    expect(keysError(() => validateAccessKeys([{ name: 'a', sha256: HASH_A, models: ['m', 7] }], 'test'))).toContain('entry 0 (a).models');
    expect(keysError(() => validateAccessKeys([{ name: 'a', sha256: HASH_A, models: 'm' }], 'test'))).toContain('entry 0 (a).models');
  });

  it('rejects the same name twice', () => {
    const message = keysError(() =>
      validateAccessKeys([{ name: 'team-a', sha256: HASH_A }, { name: 'team-a', sha256: HASH_B }], 'test'),
    );
    expect(message).toContain('entry 1 (team-a): the name is already used by entry 0');
  });

  it('rejects the same hash under two names, without printing it', () => {
    const message = keysError(() =>
      validateAccessKeys([{ name: 'team-a', sha256: HASH_A }, { name: 'team-b', sha256: HASH_B }, { name: 'team-c', sha256: HASH_A }], 'test'),
    );
    expect(message).toContain('entry 2 (team-c): same sha256 as entry 0');
    expect(message).not.toContain(HASH_A);
  });

  it('rejects an entry that is not an object', () => {
    expect(keysError(() => validateAccessKeys([{ name: 'a', sha256: HASH_A }, 'b'], 'test'))).toContain('entry 1: expected an object');
    expect(keysError(() => validateAccessKeys([[]], 'test'))).toContain('entry 0: expected an object');
  });

  it('lists every problem, not just the first', () => {
    const message = keysError(() => validateAccessKeys([{ name: 'a', sha256: 'x' }, { name: 'b', sha256: HASH_B, extra: 1 }], 'test'));
    expect(message).toContain('entry 0 (a).sha256');
    expect(message).toContain('entry 1 (b).extra');
  });
});
