import { describe, expect, it } from 'vitest';
import { ModelCatalog, type Deployment } from '../config/model-catalog.js';
import type { ModelEntry } from '../config/models.js';
import type { ProviderAdapter } from '../providers/provider-adapter.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { Clock } from '../usage/clock.js';
import { UsageTracker } from '../usage/usage-tracker.service.js';
import { ModelCatalogService } from './model-catalog.service.js';

class FakeClock extends Clock {
  time = Date.parse('2026-03-04T10:20:30.000Z');

  now(): number {
    return this.time;
  }
}

function adapter(name: string, configured: boolean): ProviderAdapter {
  return { name, apiKeyVariable: `${name.toUpperCase()}_API_KEY`, configured } as ProviderAdapter;
}

function registry(...adapters: ProviderAdapter[]): ProviderRegistry {
  const byName = new Map(adapters.map((a) => [a.name, a]));
  return { get: (name: string) => byName.get(name), all: () => adapters } as unknown as ProviderRegistry;
}

function entry(provider: string, id: string, overrides: Partial<ModelEntry> = {}): ModelEntry {
  return {
    id,
    provider,
    name: `${id} (${provider})`,
    enabled: true,
    priority: 1,
    limits: { requestsPerMinute: 30, requestsPerDay: 1_000, tokensPerMinute: 8_000, tokensPerDay: 200_000 },
    defaults: { temperature: 0.7, maxCompletionTokens: 1_024, topP: 1 },
    ...overrides,
  };
}

const CATALOG = [entry('groq', 'llama-3.3-70b'), entry('cerebras', 'llama-3.3-70b'), entry('groq', 'openai/gpt-oss-20b')];

function setup(entries: ModelEntry[] = CATALOG, adapters: ProviderAdapter[] = [adapter('groq', true), adapter('cerebras', true)]) {
  const tracker = new UsageTracker(new FakeClock());
  return { tracker, catalog: new ModelCatalogService(new ModelCatalog(entries), registry(...adapters), tracker) };
}

const keys = (deployments: Deployment[]) => deployments.map((d) => d.key);

describe('ModelCatalogService', () => {
  it('exposes the catalog deployments with their provider/id keys', () => {
    expect(keys([...setup().catalog.deployments])).toEqual(['groq/llama-3.3-70b', 'cerebras/llama-3.3-70b', 'groq/openai/gpt-oss-20b']);
  });

  it('refuses a catalog that names an unknown provider, naming the entry and the known providers', () => {
    const entries = [...CATALOG, entry('mistral', 'mistral-large')];
    expect(() => setup(entries)).toThrow(/mistral\/mistral-large \(provider "mistral"\).*known providers: groq, cerebras/);
  });

  it('reports availability with the reason a deployment cannot serve', () => {
    const { catalog, tracker } = setup(
      [entry('groq', 'a'), entry('cerebras', 'b'), entry('cerebras', 'c', { enabled: false }), entry('cerebras', 'd')],
      [adapter('groq', false), adapter('cerebras', true)],
    );
    tracker.coolDown('cerebras/d', 5_000);
    const [a, b, c, d] = catalog.deployments;
    expect(catalog.availability(a)).toEqual({ available: false, reason: 'GROQ_API_KEY is not set' });
    expect(catalog.availability(b)).toEqual({ available: true });
    expect(catalog.availability(c)).toEqual({ available: false, reason: 'disabled in the model catalog' });
    expect(catalog.availability(d)).toEqual({ available: false, reason: 'cooling down until 2026-03-04T10:20:35.000Z' });
    expect(catalog.servability(d)).toEqual({ available: true });
  });

  it('reports a runtime unavailability reason', () => {
    const { catalog, tracker } = setup();
    tracker.markUnavailable('groq/llama-3.3-70b', 'model decommissioned');
    expect(catalog.availability(catalog.deployments[0])).toEqual({ available: false, reason: 'model decommissioned' });
  });

  it('lists each missing key variable once', () => {
    const { catalog } = setup(CATALOG, [adapter('groq', false), adapter('cerebras', true)]);
    expect(catalog.missingKeyVariables()).toEqual(['GROQ_API_KEY']);
    expect(keys(catalog.servable())).toEqual(['cerebras/llama-3.3-70b']);
  });
});
