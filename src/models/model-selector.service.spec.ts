import { describe, expect, it } from 'vitest';
import { catalogService, fakeAdapter, modelEntry } from '../../test/support/fixtures.js';
import { ModelNotFoundError, NoModelAvailableError } from '../common/errors/gateway-errors.js';
import type { Deployment } from '../config/model-catalog.js';
import type { ModelEntry } from '../config/model-catalog.js';
import type { ProviderAdapter } from '../providers/provider-adapter.js';
import { ModelSelector } from './model-selector.service.js';
import type { CandidatePlan } from '../usage/limit-store.js';
import { RotationStrategy } from './strategies/rotation-strategy.js';
import { RandomStrategy } from './strategies/random.strategy.js';
import { RoundRobinStrategy } from './strategies/round-robin.strategy.js';

/** Keeps the order it is given, so a test sees resolution, not rotation. */
class CatalogOrder extends RotationStrategy {
  readonly name = 'catalog-order';

  order(candidates: readonly Deployment[]): Deployment[] {
    return [...candidates];
  }

  preview(candidates: readonly Deployment[]): Deployment[] {
    return this.order(candidates);
  }
}

class Reversed extends RotationStrategy {
  readonly name = 'reversed';

  order(candidates: readonly Deployment[]): Deployment[] {
    return [...candidates].reverse();
  }

  preview(candidates: readonly Deployment[]): Deployment[] {
    return this.order(candidates);
  }
}

const CATALOG = [
  modelEntry('groq', 'openai/gpt-oss-120b'),
  modelEntry('cerebras', 'gpt-oss-120b'),
  modelEntry('groq', 'llama-3.3-70b'),
  modelEntry('cerebras', 'llama-3.3-70b'),
];

function setup(entries: ModelEntry[] = CATALOG, adapters?: ProviderAdapter[], strategy: RotationStrategy = new CatalogOrder()) {
  const { catalog, tracker } = catalogService(entries, adapters);
  return { catalog, tracker, selector: new ModelSelector(catalog, strategy) };
}

const keys = (plan: CandidatePlan) => plan.ordered.map((d) => d.key);

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('ModelSelector', () => {
  it('throws ModelNotFoundError for a model the catalog does not have', () => {
    const error = thrown(() => setup().selector.candidates('gpt-9'));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toContain('"gpt-9"');
  });

  it('throws ModelNotFoundError for provider/id when that provider does not serve the id', () => {
    expect(() => setup().selector.candidates('groq/gpt-oss-120b')).toThrow(ModelNotFoundError);
  });

  it('offers every provider serving an exact id', () => {
    expect(keys(setup().selector.candidates('llama-3.3-70b'))).toEqual(['groq/llama-3.3-70b', 'cerebras/llama-3.3-70b']);
  });

  it('pins one deployment with provider/id', () => {
    expect(keys(setup().selector.candidates('cerebras/llama-3.3-70b'))).toEqual(['cerebras/llama-3.3-70b']);
  });

  it("resolves a Groq id containing a slash as an id, and groq/<that id> as a pin", () => {
    const { selector } = setup();
    expect(keys(selector.candidates('openai/gpt-oss-120b'))).toEqual(['groq/openai/gpt-oss-120b']);
    expect(keys(selector.candidates('groq/openai/gpt-oss-120b'))).toEqual(['groq/openai/gpt-oss-120b']);
  });

  it('prefers the id over a provider/id key that reads the same', () => {
    const entries = [modelEntry('groq', 'openai/gpt-oss-120b'), modelEntry('openai', 'gpt-oss-120b')];
    const { selector } = setup(entries, [fakeAdapter('groq', true), fakeAdapter('openai', true)]);
    expect(keys(selector.candidates('openai/gpt-oss-120b'))).toEqual(['groq/openai/gpt-oss-120b']);
  });

  it('offers every servable deployment when no model is named', () => {
    expect(keys(setup().selector.candidates(undefined))).toEqual(CATALOG.map((e) => `${e.provider}/${e.id}`));
  });

  it('returns the candidates in the rotation strategy’s order', () => {
    const { selector } = setup(CATALOG, undefined, new Reversed());
    expect(keys(selector.candidates('llama-3.3-70b'))).toEqual(['cerebras/llama-3.3-70b', 'groq/llama-3.3-70b']);
  });

  it('hands Redis the strategy’s order for a state-free strategy, and the catalog order for one whose state Redis keeps', () => {
    const reversed = setup(CATALOG, undefined, new Reversed()).selector.candidates('llama-3.3-70b');
    expect(reversed.shared).toEqual({ candidates: reversed.ordered, ordering: 'given' });

    const roundRobin = setup(CATALOG, undefined, new RoundRobinStrategy()).selector;
    roundRobin.candidates('llama-3.3-70b');
    const plan = roundRobin.candidates('llama-3.3-70b');
    expect(keys(plan)).toEqual(['cerebras/llama-3.3-70b', 'groq/llama-3.3-70b']);
    expect(plan.shared.ordering).toBe('round-robin');
    expect(plan.shared.candidates.map((d) => d.key)).toEqual(['groq/llama-3.3-70b', 'cerebras/llama-3.3-70b']);
  });

  it('previews the next plan without moving the rotation, over the servable deployments given', () => {
    const { selector, catalog } = setup(CATALOG, undefined, new RoundRobinStrategy());
    const group = catalog.deployments.filter((d) => d.model === 'llama-3.3-70b');
    expect(keys(selector.preview(group)!)).toEqual(['groq/llama-3.3-70b', 'cerebras/llama-3.3-70b']);
    expect(keys(selector.preview(group)!)).toEqual(['groq/llama-3.3-70b', 'cerebras/llama-3.3-70b']);
    expect(keys(selector.candidates('llama-3.3-70b'))).toEqual(['groq/llama-3.3-70b', 'cerebras/llama-3.3-70b']);
    const next = selector.preview(group)!;
    expect(keys(next)).toEqual(['cerebras/llama-3.3-70b', 'groq/llama-3.3-70b']);
    expect(next.shared).toEqual({ candidates: group, ordering: 'round-robin' });
  });

  it('previews nothing under a strategy that draws its order, or when no deployment is servable', () => {
    const { selector, catalog } = setup(CATALOG, undefined, new RandomStrategy());
    expect(selector.preview(catalog.deployments)).toBeNull();
    const noKeys = setup(CATALOG, [fakeAdapter('groq', false), fakeAdapter('cerebras', false)]);
    expect(noKeys.selector.preview(noKeys.catalog.deployments)).toBeNull();
  });

  it('leaves out the deployments of a provider without a key', () => {
    const { selector } = setup(CATALOG, [fakeAdapter('groq', false), fakeAdapter('cerebras', true)]);
    expect(keys(selector.candidates('llama-3.3-70b'))).toEqual(['cerebras/llama-3.3-70b']);
    expect(keys(selector.candidates(undefined))).toEqual(['cerebras/gpt-oss-120b', 'cerebras/llama-3.3-70b']);
  });

  it('throws NoModelAvailableError naming the missing key variable when no candidate remains', () => {
    const { selector } = setup(CATALOG, [fakeAdapter('groq', false), fakeAdapter('cerebras', true)]);
    const error = thrown(() => selector.candidates('openai/gpt-oss-120b'));
    expect(error).toBeInstanceOf(NoModelAvailableError);
    expect((error as Error).message).toContain('groq/openai/gpt-oss-120b: GROQ_API_KEY is not set');
    expect((error as Error).message).toContain('Set GROQ_API_KEY');
  });

  it('names every missing key variable when no provider is configured', () => {
    const { selector } = setup(CATALOG, [fakeAdapter('groq', false), fakeAdapter('cerebras', false)]);
    const error = thrown(() => selector.candidates(undefined));
    expect(error).toBeInstanceOf(NoModelAvailableError);
    expect((error as Error).message).toContain('GROQ_API_KEY');
    expect((error as Error).message).toContain('CEREBRAS_API_KEY');
  });

  it('skips disabled entries, and says so when nothing else remains', () => {
    const entries = [modelEntry('groq', 'llama-3.3-70b', { enabled: false }), modelEntry('cerebras', 'llama-3.3-70b')];
    const { selector } = setup(entries);
    expect(keys(selector.candidates('llama-3.3-70b'))).toEqual(['cerebras/llama-3.3-70b']);
    const error = thrown(() => selector.candidates('groq/llama-3.3-70b'));
    expect(error).toBeInstanceOf(NoModelAvailableError);
    expect((error as Error).message).toContain('disabled');
  });

  it('skips a deployment marked unavailable at runtime', () => {
    const { selector, tracker } = setup();
    tracker.markUnavailable('groq/llama-3.3-70b', 'model decommissioned');
    expect(keys(selector.candidates('llama-3.3-70b'))).toEqual(['cerebras/llama-3.3-70b']);
  });

  it('still offers a cooling-down deployment (the limits check happens at reservation)', () => {
    const { selector, tracker } = setup();
    tracker.coolDown('groq/llama-3.3-70b', 10_000);
    expect(keys(selector.candidates('llama-3.3-70b'))).toEqual(['groq/llama-3.3-70b', 'cerebras/llama-3.3-70b']);
  });
});
