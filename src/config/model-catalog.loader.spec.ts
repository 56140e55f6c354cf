// The loader's @Type decorators read design-time metadata; main.ts loads this polyfill first.
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelEntry } from '../../test/support/fixtures.js';
import { loadModelCatalog, ModelCatalogError, validateModelCatalog } from './model-catalog.loader.js';
import { DEFAULT_MODELS } from './default-catalog.js';
import type { ModelEntry } from './model-catalog.js';

const directory = mkdtempSync(join(tmpdir(), 'model-catalog-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let files = 0;
function modelsFile(content: unknown): string {
  const path = join(directory, `models-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Overrides may be invalid on purpose: the loader is what checks them. */
const entry = (id: string, provider = 'groq', overrides: Record<string, unknown> = {}) =>
  ({ ...modelEntry(provider, id), ...overrides }) as ModelEntry;

function catalogError(run: () => unknown): string {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ModelCatalogError);
  return (thrown as ModelCatalogError).message;
}

describe('loadModelCatalog', () => {
  it('returns the built-in catalog, validated, when MODELS_FILE is unset', () => {
    expect(loadModelCatalog(undefined)).toEqual({ providers: [], models: DEFAULT_MODELS });
    expect(() => validateModelCatalog(DEFAULT_MODELS, 'built-in catalog')).not.toThrow();
  });

  it('replaces the built-in catalog with the one in MODELS_FILE', () => {
    const custom = [entry('llama-3.3-70b'), entry('llama-3.3-70b', 'cerebras', { enabled: false, priority: 2 })];
    expect(loadModelCatalog(modelsFile(custom))).toEqual({ providers: [], models: custom });
  });

  it('names the file and says it cannot be read when MODELS_FILE does not exist', () => {
    const missing = join(directory, 'nope.json');
    const message = catalogError(() => loadModelCatalog(missing));
    expect(message).toContain(`MODELS_FILE=${missing}`);
    expect(message).toContain('cannot read');
  });

  it('names the file and says it is not valid JSON', () => {
    const path = modelsFile('[{"id": "a",');
    const message = catalogError(() => loadModelCatalog(path));
    expect(message).toContain(`MODELS_FILE=${path}`);
    expect(message).toContain('not valid JSON');
  });

  it('names the entry index, its id and the nested field that is wrong', () => {
    const bad = entry('gpt-oss-120b', 'cerebras', {
      limits: { requestsPerMinute: 0, requestsPerDay: 1, tokensPerMinute: 1, tokensPerDay: 1 },
    });
    const message = catalogError(() => loadModelCatalog(modelsFile([entry('a'), bad])));
    expect(message).toContain('entry 1 (gpt-oss-120b).limits.requestsPerMinute');
    expect(message).not.toContain('entry 0');
  });

  it('validates the defaults block too', () => {
    const bad = entry('a', 'groq', { defaults: { temperature: 3, maxCompletionTokens: 1, topP: 1 } });
    expect(catalogError(() => validateModelCatalog([bad], 'test'))).toContain('entry 0 (a).defaults.temperature');
  });

  it('names top-level fields that are wrong', () => {
    const message = catalogError(() => validateModelCatalog([entry('a', 'groq', { enabled: 'yes', priority: 1.5 })], 'test'));
    expect(message).toContain('entry 0 (a).enabled');
    expect(message).toContain('entry 0 (a).priority');
  });

  it('labels an entry without an id by its index alone', () => {
    const { id: _id, ...withoutId } = entry('a');
    const message = catalogError(() => validateModelCatalog([withoutId], 'test'));
    expect(message).toContain('entry 0.id');
  });

  it('rejects an entry whose limits block is missing or not an object', () => {
    const { limits: _limits, ...withoutLimits } = entry('a');
    expect(catalogError(() => validateModelCatalog([withoutLimits], 'test'))).toContain('entry 0 (a).limits');
    expect(catalogError(() => validateModelCatalog([entry('b', 'groq', { limits: null })], 'test'))).toContain(
      'entry 0 (b).limits',
    );
  });

  it('rejects an entry that is not an object', () => {
    expect(catalogError(() => validateModelCatalog([entry('a'), 'groq/b'], 'test'))).toContain('entry 1: expected an object');
  });

  it('rejects an entry that is an array as not an object', () => {
    expect(catalogError(() => validateModelCatalog([entry('a'), []], 'test'))).toContain('entry 1: expected an object');
  });

  it('rejects a limits or defaults block that is an array', () => {
    const limits = catalogError(() => validateModelCatalog([entry('a', 'groq', { limits: [] })], 'test'));
    expect(limits).toContain('entry 0 (a).limits');
    const defaults = catalogError(() => validateModelCatalog([entry('b', 'groq', { defaults: [] })], 'test'));
    expect(defaults).toContain('entry 0 (b).defaults');
  });

  it('rejects the same provider/id twice', () => {
    const message = catalogError(() => validateModelCatalog([entry('a'), entry('b'), entry('a')], 'test'));
    expect(message).toContain('entry 2 (a): duplicate deployment groq/a');
  });

  it('accepts the same id served by two providers', () => {
    expect(validateModelCatalog([entry('a', 'groq'), entry('a', 'cerebras')], 'test')).toHaveLength(2);
  });

  it('rejects an empty catalog and one that is not an array, naming the source', () => {
    expect(catalogError(() => loadModelCatalog(modelsFile([])))).toMatch(/MODELS_FILE=.*non-empty JSON array/);
    expect(catalogError(() => loadModelCatalog(modelsFile({ models: [] })))).toContain('non-empty JSON array');
  });

  it('lists every problem, not just the first', () => {
    const message = catalogError(() =>
      validateModelCatalog([entry('a', 'groq', { name: '' }), entry('b', 'groq', { priority: 'high' })], 'test'),
    );
    expect(message).toContain('entry 0 (a).name');
    expect(message).toContain('entry 1 (b).priority');
  });

  describe('the catalog file as { providers, models }', () => {
    const local = { name: 'local', kind: 'openai-compatible', baseUrl: 'http://localhost:11434/v1' };

    it('reads the providers beside the models', () => {
      const file = { providers: [local], models: [entry('a')] };
      expect(loadModelCatalog(modelsFile(file))).toEqual(file);
    });

    it('names every problem of a provider entry: kind, base URL, key variable, headers, duplicates', () => {
      const message = catalogError(() =>
        loadModelCatalog(
          modelsFile({
            providers: [
              { name: 'local', kind: 'openai-compatible' },
              { name: 'x y', kind: 'ollama', baseUrl: 'not a url', apiKeyVariable: 'lower-case', headers: { 'x-n': 1 } },
              local,
            ],
            models: [entry('a')],
          }),
        ),
      );
      expect(message).toContain('providers[0] (local).baseUrl: required for kind "openai-compatible"');
      expect(message).toContain('providers[1] (x y).name: name must be letters');
      expect(message).toContain('providers[1] (x y).kind');
      expect(message).toContain('providers[1] (x y).baseUrl');
      expect(message).toContain('apiKeyVariable must be an environment variable name');
      expect(message).toContain('providers[1] (x y).headers: every value must be a string');
      expect(message).toContain('providers[2] (local): duplicate provider local');
    });

    it('refuses a top-level field it does not know', () => {
      expect(catalogError(() => loadModelCatalog(modelsFile({ model: [entry('a')] })))).toContain('unknown top-level field(s) model');
    });
  });
});
