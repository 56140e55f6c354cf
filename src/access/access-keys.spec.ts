import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ModelCatalog } from '../config/model-catalog.js';
import { modelEntry } from '../../test/support/fixtures.js';
import { generateAccessKey, hashAccessKey } from './access-key.js';
import { AccessKeys } from './access-keys.js';
import { AccessKeysError } from './access-keys.loader.js';
import { presentedKey } from './presented-key.js';

// Counts the constant-time comparisons, to pin that every entry is compared, whatever matches.
const comparisons = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      comparisons.count += 1;
      return crypto.timingSafeEqual(a, b);
    },
  };
});

const KEY_A = generateAccessKey();
const KEY_B = generateAccessKey();
const KEY_C = generateAccessKey();

const keys = new AccessKeys([
  { name: 'team-a', sha256: hashAccessKey(KEY_A) },
  { name: 'team-b', sha256: hashAccessKey(KEY_B), limits: { requestsPerMinute: 5 }, models: ['gpt-oss-120b'] },
  { name: 'team-c', sha256: hashAccessKey(KEY_C), admin: true },
]);

describe('AccessKeys', () => {
  beforeEach(() => {
    comparisons.count = 0;
  });

  it('is required with a keys file and not without one', () => {
    expect(keys.required).toBe(true);
    expect(new AccessKeys(null).required).toBe(false);
  });

  it('identifies each key by its own entry, with its limits, models and admin flag', () => {
    expect(keys.identify(KEY_A)).toEqual({ name: 'team-a', limits: {}, models: null, admin: false });
    expect(keys.identify(KEY_B)).toEqual({ name: 'team-b', limits: { requestsPerMinute: 5 }, models: ['gpt-oss-120b'], admin: false });
    expect(keys.identify(KEY_C)).toMatchObject({ name: 'team-c', admin: true });
  });

  it('identifies no key for a wrong, truncated, extended, re-cased or empty one', () => {
    for (const wrong of [generateAccessKey(), KEY_A.slice(0, -1), `${KEY_A}x`, KEY_A.toUpperCase(), hashAccessKey(KEY_A), '']) {
      expect(keys.identify(wrong)).toBeNull();
    }
  });

  it('compares the presented key with every entry, also when the first one matches', () => {
    keys.identify(KEY_A);
    expect(comparisons.count).toBe(3);
    keys.identify(generateAccessKey());
    expect(comparisons.count).toBe(6);
  });

  it('never hands out the digest', () => {
    expect(JSON.stringify([keys.all, keys.identify(KEY_A)])).not.toContain(hashAccessKey(KEY_A));
    expect(keys.all.map((key) => key.name)).toEqual(['team-a', 'team-b', 'team-c']);
  });

  describe('checkModels', () => {
    const catalog = new ModelCatalog([
      modelEntry('groq', 'openai/gpt-oss-120b', { model: 'gpt-oss-120b' }),
      modelEntry('cerebras', 'gpt-oss-120b'),
      modelEntry('cerebras', 'qwen-3.8-27b'),
    ]);

    it('accepts public model ids and provider/id keys', () => {
      const fine = new AccessKeys([{ name: 'a', sha256: hashAccessKey(KEY_A), models: ['gpt-oss-120b', 'cerebras/qwen-3.8-27b'] }]);
      expect(() => fine.checkModels(catalog, 'test')).not.toThrow();
    });

    it('stops start-up on a model the catalog does not have, naming the key and the model', () => {
      const typo = new AccessKeys([{ name: 'team-a', sha256: hashAccessKey(KEY_A), models: ['gpt-oss-120b', 'qwen-3.8-72b'] }]);
      expect(() => typo.checkModels(catalog, 'GATEWAY_API_KEYS=keys.json')).toThrow(AccessKeysError);
      expect(() => typo.checkModels(catalog, 'GATEWAY_API_KEYS=keys.json')).toThrow(/key team-a: models has "qwen-3.8-72b"/);
    });
  });
});

describe('presentedKey', () => {
  it('reads Authorization: Bearer, whatever the case of the scheme', () => {
    expect(presentedKey({ authorization: `Bearer ${KEY_A}` })).toBe(KEY_A);
    expect(presentedKey({ authorization: `bearer ${KEY_A}` })).toBe(KEY_A);
  });

  it('reads x-api-key, trimmed', () => {
    expect(presentedKey({ 'x-api-key': ` ${KEY_B} ` })).toBe(KEY_B);
  });

  it('prefers Authorization: Bearer over x-api-key', () => {
    expect(presentedKey({ authorization: `Bearer ${KEY_A}`, 'x-api-key': KEY_B })).toBe(KEY_A);
  });

  it('falls back to x-api-key when Authorization is not a bearer token', () => {
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': KEY_B })).toBe(KEY_B);
  });

  it('finds none in an empty Bearer, a Basic credential or blank headers', () => {
    expect(presentedKey({})).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer ' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(presentedKey({ 'x-api-key': '  ' })).toBeUndefined();
  });
});
