import type { ModelEntry } from './models.js';

/** A model as served by one provider, addressed as `provider/id`. */
export interface Deployment extends ModelEntry {
  key: string;
  /** The public model id (the entry's `model`, else its `id`). */
  model: string;
}

export function deploymentKey(provider: string, id: string): string {
  return `${provider}/${id}`;
}

/** The validated catalog in force (built-in or MODELS_FILE), fixed for the process's life. */
export class ModelCatalog {
  readonly deployments: readonly Deployment[];
  /** Public model ids with their deployments, in catalog order. */
  readonly groups: ReadonlyMap<string, Deployment[]>;

  constructor(entries: ModelEntry[]) {
    this.deployments = entries.map((entry) => ({
      ...entry,
      key: deploymentKey(entry.provider, entry.id),
      model: entry.model ?? entry.id,
    }));
    const groups = new Map<string, Deployment[]>();
    for (const deployment of this.deployments) {
      groups.set(deployment.model, [...(groups.get(deployment.model) ?? []), deployment]);
    }
    this.groups = groups;
  }
}
