import { Injectable } from '@nestjs/common';
import type { Deployment } from '../config/model-catalog.js';
import type { OfferedModel } from '../providers/provider-adapter.js';

/** A provider's last successful model list, or why the last one failed. */
export interface ProviderListing {
  provider: string;
  /** When its models were last listed successfully (epoch ms); null before the first. */
  listedAt: number | null;
  /** How many models that listing held. */
  models: number | null;
  /** Why the latest listing failed; null when it succeeded. The last good list stands meanwhile. */
  error: string | null;
}

/** A model a provider offers that no catalog entry of that provider uses. */
export interface DiscoveredModel {
  provider: string;
  id: string;
  contextWindow: number | null;
}

/** What changed for the catalog's deployments with one listing. */
export interface ListingChanges {
  retired: Deployment[];
  restored: Deployment[];
}

/**
 * What the providers say they offer (their model lists, MODEL_DISCOVERY_INTERVAL_MS): which
 * catalog deployments a provider no longer offers and since when, the context windows it
 * reports, and the models it offers that the catalog does not use. A provider never listed (or
 * discovery off) says nothing: its deployments are taken as offered.
 */
@Injectable()
export class ModelOfferings {
  private readonly listings = new Map<string, { offered: Map<string, OfferedModel>; listedAt: number }>();
  private readonly failures = new Map<string, string>();
  /** Catalog deployments missing from their provider's latest list: since when. */
  private readonly missingSince = new Map<string, number>();

  /** A successful listing; `deployments`: the provider's catalog deployments. */
  listed(provider: string, offered: readonly OfferedModel[], now: number, deployments: readonly Deployment[]): ListingChanges {
    this.listings.set(provider, { offered: new Map(offered.map((model) => [model.id, model])), listedAt: now });
    this.failures.delete(provider);
    const changes: ListingChanges = { retired: [], restored: [] };
    for (const deployment of deployments) {
      const offeredNow = this.listings.get(provider)!.offered.has(deployment.id);
      if (!offeredNow && !this.missingSince.has(deployment.key)) {
        this.missingSince.set(deployment.key, now);
        changes.retired.push(deployment);
      } else if (offeredNow && this.missingSince.delete(deployment.key)) {
        changes.restored.push(deployment);
      }
    }
    return changes;
  }

  /** A failed listing: what was known before stands. */
  failed(provider: string, reason: string): void {
    this.failures.set(provider, reason);
  }

  /** Why the deployment cannot serve because its provider stopped listing it; null when it lists it (or never listed). */
  notOffered(deployment: Deployment): string | null {
    const since = this.missingSince.get(deployment.key);
    return since === undefined ? null : `not offered by ${deployment.provider} since ${new Date(since).toISOString()} (its model list)`;
  }

  /** The catalog's context window for the deployment, else the one its provider reports. */
  contextWindow(deployment: Deployment): number | undefined {
    return deployment.contextWindow ?? this.listings.get(deployment.provider)?.offered.get(deployment.id)?.contextWindow;
  }

  /** Models listed by their provider that no catalog deployment of that provider uses. */
  discovered(deployments: readonly Deployment[]): DiscoveredModel[] {
    const used = new Set(deployments.map((deployment) => deployment.key));
    return [...this.listings].flatMap(([provider, { offered }]) =>
      [...offered.values()]
        .filter((model) => !used.has(`${provider}/${model.id}`))
        .map((model) => ({ provider, id: model.id, contextWindow: model.contextWindow ?? null })),
    );
  }

  /** Every provider listed or tried so far. */
  status(): ProviderListing[] {
    const providers = new Set([...this.listings.keys(), ...this.failures.keys()]);
    return [...providers].map((provider) => {
      const listing = this.listings.get(provider);
      return { provider, listedAt: listing?.listedAt ?? null, models: listing?.offered.size ?? null, error: this.failures.get(provider) ?? null };
    });
  }
}
