import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import type { Deployment } from '../config/model-catalog.js';
import { UsageTracker } from '../usage/usage-tracker.service.js';
import type { GatewayStatusDto, ModelGroupDto, ModelsResponseDto, ModelViewDto } from './dto/model-view.dto.js';
import { allows } from './allowed-models.js';
import { ModelCatalogService } from './model-catalog.service.js';
import { LatencyEstimates } from './latency-estimates.js';
import { ModelOfferings } from './model-offerings.js';
import { expectedAnswerMs } from './strategies/latency.strategy.js';
import { ModelSelector } from './model-selector.service.js';

/** Builds the reports of GET / and GET /models. */
@Injectable()
export class ModelsService {
  constructor(
    private readonly catalog: ModelCatalogService,
    private readonly selector: ModelSelector,
    private readonly offerings: ModelOfferings,
    private readonly latency: LatencyEstimates,
    private readonly tracker: UsageTracker,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  status(): GatewayStatusDto {
    const servable = this.catalog.servable();
    const missing = this.catalog.missingKeyVariables();
    const models = servable.map(({ id, provider, name }) => ({ id, provider, name }));
    if (servable.length === 0) {
      return {
        status: 'degraded',
        message: `No model can serve: set ${missing.join(' or ') || 'a provider API key'} (see GET /models for each model's reason).`,
        models,
      };
    }
    const hint = missing.length > 0 ? ` Not configured: ${missing.join(', ')}.` : '';
    return { status: 'ok', message: `LLM gateway: ${servable.length} model(s) ready. POST /chat to talk, GET /docs for the API.${hint}`, models };
  }

  /**
   * With REDIS_URL, cooldowns and the providers' reports are those any replica learned. `allowed`:
   * an access key's models; the others are left out.
   */
  async list(allowed: readonly string[] | null = null): Promise<ModelsResponseDto> {
    const visible = this.catalog.deployments.filter((deployment) => allows(allowed, deployment));
    const models = await Promise.all(visible.map(async (deployment): Promise<ModelViewDto> => {
      const { available, reason } = this.catalog.availability(deployment);
      const { cooldownUntil, providerRateLimit } = await this.tracker.routingState(deployment.key);
      const circuit = this.tracker.circuit(deployment.key);
      return {
        id: deployment.id,
        model: deployment.model,
        provider: deployment.provider,
        key: deployment.key,
        name: deployment.name,
        enabled: deployment.enabled,
        available,
        ...(reason ? { reason } : {}),
        priority: deployment.priority,
        capabilities: deployment.capabilities,
        contextWindow: this.catalog.contextWindow(deployment) ?? null,
        latency: this.latencyView(deployment),
        configuredLimits: deployment.limits,
        rateLimit: providerRateLimit,
        cooldownUntil: cooldownUntil ? new Date(cooldownUntil).toISOString() : null,
        circuit: {
          state: circuit.state,
          openUntil: circuit.openUntil === null ? null : new Date(circuit.openUntil).toISOString(),
          recentFailures: circuit.recentFailures,
          recentAttempts: circuit.recentAttempts,
        },
      };
    }));
    const available = new Set(models.filter((view) => view.available).map((view) => view.key));
    const groups = await Promise.all([...this.catalog.groups].flatMap(([model, deployments]): Array<Promise<ModelGroupDto>> => {
      const permitted = deployments.filter((deployment) => allows(allowed, deployment));
      if (permitted.length === 0) return [];
      const keys = permitted.map((deployment) => deployment.key);
      return [this.nextPick(permitted).then((nextPick) => ({ model, deployments: keys, available: keys.some((key) => available.has(key)), nextPick }))];
    }));
    return {
      strategy: this.config.get('ROTATION_STRATEGY', { infer: true }),
      autoFallback: this.config.get('AUTO_FALLBACK', { infer: true }),
      models,
      groups,
      // Filtered like the models: a key limited to some models sees no other provider's offer.
      discovered: allowed === null ? this.offerings.discovered(this.catalog.deployments) : [],
      discovery: {
        intervalMs: this.config.get('MODEL_DISCOVERY_INTERVAL_MS', { infer: true }),
        autoEnable: this.config.get('DISCOVERY_AUTO_ENABLE', { infer: true }),
        providers: this.offerings.status().map((listing) => ({ ...listing, listedAt: listing.listedAt === null ? null : new Date(listing.listedAt).toISOString() })),
      },
    };
  }

  private latencyView(deployment: Deployment): ModelViewDto['latency'] {
    const estimate = this.latency.estimate(deployment);
    if (!estimate) return null;
    const round = (value: number) => Math.round(value * 10) / 10;
    return {
      timeToFirstTokenMs: round(estimate.timeToFirstTokenMs),
      tokensPerSecond: estimate.tokensPerSecond === null ? null : round(estimate.tokensPerSecond),
      answers: estimate.answers,
      expectedAnswerMs: round(expectedAnswerMs(estimate)),
    };
  }

  /** Where the next request for these deployments would go first, as the rotation and the limits stand. */
  private async nextPick(deployments: readonly Deployment[]): Promise<string | null> {
    const plan = this.selector.preview(deployments);
    const picked = plan ? await this.tracker.nextPick(plan) : null;
    return picked?.key ?? null;
  }
}
