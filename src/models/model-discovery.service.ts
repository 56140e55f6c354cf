import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import type { ModelEntry } from '../config/model-catalog.js';
import type { ModelLimits } from '../config/model-limits.dto.js';
import type { ProviderAdapter } from '../providers/provider-adapter.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { UpstreamError } from '../providers/upstream-error.js';
import { Clock } from '../usage/clock.js';
import { UsageTracker } from '../usage/usage-tracker.service.js';
import { ModelCatalogService } from './model-catalog.service.js';
import { ModelOfferings } from './model-offerings.js';

/** How long one provider's listing may take before it counts as failed. */
const LISTING_TIMEOUT_MS = 10_000;

/** The limits of a model served because its provider lists it (DISCOVERY_AUTO_ENABLE): a free tier's, until the catalog says better. */
export const DISCOVERED_MODEL_LIMITS: ModelLimits = { requestsPerMinute: 30, requestsPerDay: 1_000, tokensPerMinute: 8_000, tokensPerDay: 200_000 };
/** After every catalog deployment under the priority strategy. */
const DISCOVERED_PRIORITY = 1_000;

/**
 * Reads each configured provider's model list at start-up and every MODEL_DISCOVERY_INTERVAL_MS,
 * in the background: neither start-up nor any request waits for it. A catalog model its provider
 * stopped listing is skipped (no request is spent learning it), and restored when listed again;
 * a provider whose listing fails keeps its last known state.
 */
@Injectable()
export class ModelDiscovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ModelDiscovery');
  private readonly intervalMs: number;
  private readonly autoEnable: boolean;
  private timer: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly providers: ProviderRegistry,
    private readonly catalog: ModelCatalogService,
    private readonly offerings: ModelOfferings,
    private readonly tracker: UsageTracker,
    private readonly clock: Clock,
    config: ConfigService<Environment, true>,
  ) {
    this.intervalMs = config.get('MODEL_DISCOVERY_INTERVAL_MS', { infer: true });
    this.autoEnable = config.get('DISCOVERY_AUTO_ENABLE', { infer: true });
  }

  onApplicationBootstrap(): void {
    if (this.intervalMs === 0) return;
    void this.discover();
    this.timer = setInterval(() => void this.discover(), this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  /** Lists every configured provider's models once (a run still going is waited for, not repeated). */
  discover(): Promise<void> {
    this.running ??= Promise.all(this.providers.all().filter((adapter) => adapter.configured).map((adapter) => this.list(adapter))).then(
      () => undefined,
      () => undefined,
    ).finally(() => (this.running = undefined));
    return this.running;
  }

  private async list(adapter: ProviderAdapter): Promise<void> {
    let offered;
    try {
      offered = await adapter.listModels(AbortSignal.any([this.stopping.signal, AbortSignal.timeout(LISTING_TIMEOUT_MS)]));
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      const reason = error instanceof UpstreamError ? error.message : `${adapter.name}'s model list could not be read`;
      this.offerings.failed(adapter.name, reason);
      this.logger.warn(`Model discovery: ${reason}; keeping what was known of ${adapter.name}'s models`);
      return;
    }
    const deployments = this.catalog.deployments.filter((deployment) => deployment.provider === adapter.name);
    const { retired, restored } = this.offerings.listed(adapter.name, offered, this.clock.now(), deployments);
    for (const deployment of retired) this.logger.warn(`Model discovery: ${adapter.name} no longer offers ${deployment.id}; ${deployment.key} is skipped until it does`);
    for (const deployment of restored) this.logger.log(`Model discovery: ${adapter.name} offers ${deployment.id} again; ${deployment.key} is served again`);
    // A model the provider lists is one it serves: what a failed request taught about it (a 404) no longer holds.
    const listed = new Set(offered.map((model) => model.id));
    for (const deployment of deployments) if (listed.has(deployment.id)) this.tracker.clearUnavailable(deployment.key);
    if (this.autoEnable) this.enableDiscovered(adapter.name);
  }

  private enableDiscovered(provider: string): void {
    const entries = this.offerings
      .discovered(this.catalog.deployments)
      .filter((model) => model.provider === provider)
      .map((model): ModelEntry => ({
        id: model.id,
        provider,
        name: `${model.id} (${provider}, discovered)`,
        enabled: true,
        priority: DISCOVERED_PRIORITY,
        limits: DISCOVERED_MODEL_LIMITS,
        defaults: { temperature: 0.7, maxCompletionTokens: 1_024, topP: 1 },
        ...(model.contextWindow === null ? {} : { contextWindow: model.contextWindow }),
      }));
    const added = this.catalog.add(entries);
    if (added.length > 0) this.logger.log(`Model discovery: serving ${added.map((deployment) => deployment.key).join(', ')} (DISCOVERY_AUTO_ENABLE)`);
  }
}
