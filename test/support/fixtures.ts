// Builders shared by the unit specs (and the e2e harness): catalog entries, deployments,
// fake provider adapters and registries, a clock a test can set, and a catalog service over them.
import type { ConfigService } from '@nestjs/config';
import type { Environment } from '../../src/config/environment.js';
import { ModelCatalog, type Deployment } from '../../src/config/model-catalog.js';
import type { ModelEntry } from '../../src/config/model-catalog.js';
import { ModelCatalogService } from '../../src/models/model-catalog.service.js';
import { ModelOfferings } from '../../src/models/model-offerings.js';
import type { ProviderAdapter } from '../../src/providers/provider-adapter.js';
import type { ProviderRegistry } from '../../src/providers/provider-registry.js';
import type { ChatRequestSummary } from '../../src/telemetry/chat-telemetry.js';
import { Clock } from '../../src/usage/clock.js';
import { UsageTracker } from '../../src/usage/usage-tracker.service.js';

/** A catalog entry with realistic limits (30 RPM, 1000 RPD, 8000 TPM, 200000 TPD) unless overridden. */
export function modelEntry(provider: string, id: string, overrides: Partial<ModelEntry> = {}): ModelEntry {
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

/** That entry as the catalog serves it: a `Deployment`, keyed `provider/id`. */
export function deployment(provider: string, id: string, overrides: Partial<ModelEntry> = {}): Deployment {
  return new ModelCatalog([modelEntry(provider, id, overrides)]).deployments[0];
}

/** An adapter that only knows its name and whether its key (`<NAME>_API_KEY`) is set. */
export function fakeAdapter(name: string, configured: boolean): ProviderAdapter {
  return { name, apiKeyVariable: `${name.toUpperCase()}_API_KEY`, configured } as ProviderAdapter;
}

export function fakeRegistry(...adapters: ProviderAdapter[]): ProviderRegistry {
  const byName = new Map(adapters.map((a) => [a.name, a]));
  return { get: (name: string) => byName.get(name), all: () => adapters } as unknown as ProviderRegistry;
}

/** A ConfigService that serves exactly `values` (what a class under test reads in its constructor). */
export function fakeConfig(values: Partial<Environment>): ConfigService<Environment, true> {
  return { get: (key: keyof Environment) => values[key] } as unknown as ConfigService<Environment, true>;
}

/** A clock that stands still until a test sets it; starts at 2026-03-04T10:20:30Z. */
export class FakeClock extends Clock {
  constructor(public time: number = Date.parse('2026-03-04T10:20:30.000Z')) {
    super();
  }

  now(): number {
    return this.time;
  }

  set(iso: string): void {
    this.time = Date.parse(iso);
  }
}

/** A catalog service over `entries` and fake adapters (groq and cerebras, configured), its tracker on a FakeClock. */
export function catalogService(
  entries: ModelEntry[],
  adapters: ProviderAdapter[] = [fakeAdapter('groq', true), fakeAdapter('cerebras', true)],
): { catalog: ModelCatalogService; tracker: UsageTracker; offerings: ModelOfferings } {
  const tracker = new UsageTracker(new FakeClock());
  const offerings = new ModelOfferings();
  return { tracker, offerings, catalog: new ModelCatalogService(new ModelCatalog(entries), fakeRegistry(...adapters), tracker, offerings) };
}

/** A chat request's summary as the telemetry reports it: a completed /chat answer from groq/a unless overridden. */
export function chatSummary(overrides: Partial<ChatRequestSummary> = {}): ChatRequestSummary {
  return {
    requestId: 'r',
    route: 'chat',
    client: null,
    allowedModels: null,
    requestedModel: null,
    deployment: { provider: 'groq', model: 'a' },
    attempts: 1,
    failedAttempts: [],
    promptTokens: 3,
    completionTokens: 2,
    timeToFirstTokenMs: 100,
    answerFirstTokenMs: 100,
    durationMs: 200,
    outcome: 'completed',
    errorCode: null,
    cache: null,
    ...overrides,
  };
}

