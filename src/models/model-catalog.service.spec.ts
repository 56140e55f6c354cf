import { describe, expect, it } from 'vitest';
import { catalogService, fakeAdapter, fakeRegistry, FakeClock, modelEntry } from '../../test/support/fixtures.js';
import { ModelCatalog, type Deployment } from '../config/model-catalog.js';
import type { ModelEntry } from '../config/model-catalog.js';
import type { ProviderAdapter } from '../providers/provider-adapter.js';
import { UsageTracker } from '../usage/usage-tracker.service.js';
import { ModelCatalogService } from './model-catalog.service.js';
import { ModelOfferings } from './model-offerings.js';

const CATALOG = [
  modelEntry('groq', 'llama-3.3-70b'),
  modelEntry('cerebras', 'llama-3.3-70b'),
  modelEntry('groq', 'openai/gpt-oss-20b'),
];

const setup = (entries: ModelEntry[] = CATALOG, adapters?: ProviderAdapter[]) => catalogService(entries, adapters);

const keys = (deployments: Deployment[]) => deployments.map((d) => d.key);

describe('ModelCatalogService', () => {
  it('exposes the catalog deployments with their provider/id keys', () => {
    expect(keys([...setup().catalog.deployments])).toEqual(['groq/llama-3.3-70b', 'cerebras/llama-3.3-70b', 'groq/openai/gpt-oss-20b']);
  });

  it('refuses a catalog that names an unknown provider, naming the entry and the known providers', () => {
    const entries = [...CATALOG, modelEntry('mistral', 'mistral-large')];
    expect(() => setup(entries)).toThrow(/mistral\/mistral-large \(provider "mistral"\).*known providers: groq, cerebras/);
  });

  it('reports availability with the reason a deployment cannot serve', () => {
    const { catalog, tracker } = setup(
      [
        modelEntry('groq', 'a'),
        modelEntry('cerebras', 'b'),
        modelEntry('cerebras', 'c', { enabled: false }),
        modelEntry('cerebras', 'd'),
      ],
      [fakeAdapter('groq', false), fakeAdapter('cerebras', true)],
    );
    tracker.coolDown('cerebras/d', 5_000);
    const [a, b, c, d] = catalog.deployments;
    expect(catalog.availability(a)).toEqual({ available: false, reason: 'GROQ_API_KEY is not set' });
    expect(catalog.availability(b)).toEqual({ available: true });
    expect(catalog.availability(c)).toEqual({ available: false, reason: 'disabled in the model catalog' });
    expect(catalog.availability(d)).toEqual({ available: false, reason: 'cooling down until 2026-03-04T10:20:35.000Z' });
    expect(catalog.servability(d)).toEqual({ available: true });
  });

  it('reports a deployment with an open circuit (or a probe in flight) as unavailable, naming the circuit', () => {
    const clock = new FakeClock();
    const settings = { windowSize: 20, windowMs: 60_000, minRequests: 2, failureRatio: 0.5, cooldownMs: 5_000, maxCooldownMs: 5_000 };
    const tracker = new UsageTracker(clock, settings);
    const catalog = new ModelCatalogService(new ModelCatalog(CATALOG), fakeRegistry(fakeAdapter('groq', true), fakeAdapter('cerebras', true)), tracker, new ModelOfferings());
    const [model] = catalog.deployments;
    const fail = () => {
      const admission = tracker.tryReserve(model, 1);
      if (!admission.admitted) throw new Error(admission.reason);
      tracker.settle(admission.reservation, 'failed', undefined, 'server_error');
    };
    fail();
    fail();

    expect(catalog.availability(model)).toEqual({
      available: false,
      reason: 'circuit open after repeated upstream failures (2 of the last 2 requests failed); probed again at 2026-03-04T10:20:35.000Z',
    });
    expect(catalog.servability(model)).toEqual({ available: true });
    clock.set('2026-03-04T10:20:35.000Z');
    expect(catalog.availability(model)).toEqual({ available: true });
    expect(tracker.tryReserve(model, 1).admitted).toBe(true);
    expect(catalog.availability(model)).toEqual({ available: false, reason: 'circuit half-open: a probe request is in flight' });
  });

  it('reports a runtime unavailability reason', () => {
    const { catalog, tracker } = setup();
    tracker.markUnavailable('groq/llama-3.3-70b', 'model decommissioned');
    expect(catalog.availability(catalog.deployments[0])).toEqual({ available: false, reason: 'model decommissioned' });
  });

  it('lists each missing key variable once', () => {
    const { catalog } = setup(CATALOG, [fakeAdapter('groq', false), fakeAdapter('cerebras', true)]);
    expect(catalog.missingKeyVariables()).toEqual(['GROQ_API_KEY']);
    expect(keys(catalog.servable())).toEqual(['cerebras/llama-3.3-70b']);
  });
});
