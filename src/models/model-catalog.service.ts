import { Injectable } from '@nestjs/common';
import { ModelCatalog, type Deployment, type ModelEntry } from '../config/model-catalog.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { UsageTracker, describeOpenCircuit } from '../usage/usage-tracker.service.js';
import { ModelOfferings } from './model-offerings.js';

export interface Availability {
  available: boolean;
  reason?: string;
}

/** The catalog at runtime: which deployments exist and which can take traffic, and why not. */
@Injectable()
export class ModelCatalogService {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly providers: ProviderRegistry,
    private readonly tracker: UsageTracker,
    private readonly offerings: ModelOfferings,
  ) {
    const unknown = catalog.deployments.filter((deployment) => !providers.get(deployment.provider));
    if (unknown.length > 0) {
      const known = providers.all().map((adapter) => adapter.name).join(', ');
      throw new Error(
        `Model catalog names unknown providers: ${unknown.map((d) => `${d.key} (provider "${d.provider}")`).join(', ')}; known providers: ${known}`,
      );
    }
  }

  get deployments(): readonly Deployment[] {
    return this.catalog.deployments;
  }

  get groups(): ReadonlyMap<string, Deployment[]> {
    return this.catalog.groups;
  }

  /** Whether a deployment can serve at all (limits, cooldowns and open circuits aside). */
  servability(deployment: Deployment): Availability {
    if (!deployment.enabled) return { available: false, reason: 'disabled in the model catalog' };
    const adapter = this.providers.get(deployment.provider)!;
    if (!adapter.configured) return { available: false, reason: `${adapter.apiKeyVariable} is not set` };
    const unavailable = this.tracker.unavailableReason(deployment.key);
    if (unavailable) return { available: false, reason: unavailable };
    const notOffered = this.offerings.notOffered(deployment);
    if (notOffered) return { available: false, reason: notOffered };
    return { available: true };
  }

  /** Prompt plus completion tokens the deployment takes: the catalog's figure, else its provider's; undefined when neither says. */
  contextWindow(deployment: Deployment): number | undefined {
    return this.offerings.contextWindow(deployment);
  }

  /** Serves more deployments from now on (models a provider lists, with DISCOVERY_AUTO_ENABLE). */
  add(entries: readonly ModelEntry[]): Deployment[] {
    return this.catalog.add(entries);
  }

  /** Servability plus circuit and cooldown: what /models reports as available right now. */
  availability(deployment: Deployment): Availability {
    const servable = this.servability(deployment);
    if (!servable.available) return servable;
    const circuit = this.tracker.circuit(deployment.key);
    if (circuit.state === 'open' || circuit.probeInFlight) return { available: false, reason: describeOpenCircuit(circuit) };
    const cooldownUntil = this.tracker.cooldownUntil(deployment.key);
    if (cooldownUntil) return { available: false, reason: `cooling down until ${new Date(cooldownUntil).toISOString()}` };
    return servable;
  }

  servable(): Deployment[] {
    return this.catalog.deployments.filter((deployment) => this.servability(deployment).available);
  }

  /** The key variables that would enable a provider with models in the catalog. */
  missingKeyVariables(): string[] {
    const variables = this.catalog.deployments
      .map((deployment) => this.providers.get(deployment.provider)!)
      .flatMap((adapter) => (!adapter.configured && adapter.apiKeyVariable ? [adapter.apiKeyVariable] : []));
    return [...new Set(variables)];
  }
}
