import type { ModelLimits } from './model-limits.dto.js';

/** One model as served by one provider: the unit that is limited, rotated and failed over. */

export interface ModelDefaults {
  temperature: number;
  maxCompletionTokens: number;
  topP: number;
}

/** What a model can do beyond plain text; a request that needs one skips deployments without it. */
export interface ModelCapabilities {
  /** Function calling (`tools`). */
  tools: boolean;
  /** `response_format: { type: "json_schema" }`. */
  jsonSchema: boolean;
}

export type Capability = keyof ModelCapabilities;

/** Assumed when the catalog says nothing: the models served today have both. */
export const DEFAULT_CAPABILITIES: ModelCapabilities = { tools: true, jsonSchema: true };

export interface ModelEntry {
  /** The provider's own model id, sent upstream as is. */
  id: string;
  /**
   * The public model id clients ask for (default: `id`). Deployments that share it form one
   * model served by several providers: requests for it rotate and fail over among them.
   */
  model?: string;
  provider: string;
  name: string;
  enabled: boolean;
  /** Lower comes first with the `priority` strategy. */
  priority: number;
  limits: ModelLimits;
  defaults: ModelDefaults;
  /** Absent fields: DEFAULT_CAPABILITIES. */
  capabilities?: Partial<ModelCapabilities>;
  /**
   * Prompt plus completion tokens the model takes. A request that cannot fit skips the deployment.
   * Absent: what the provider's model list reports, if it does.
   */
  contextWindow?: number;
}

/** A model as served by one provider, addressed as `provider/id`. */
export interface Deployment extends ModelEntry {
  key: string;
  /** The public model id (the entry's `model`, else its `id`). */
  model: string;
  capabilities: ModelCapabilities;
}

export function deploymentKey(provider: string, id: string): string {
  return `${provider}/${id}`;
}

/**
 * The validated catalog in force (built-in or MODELS_FILE). Deployments are only ever added (models a
 * provider lists, with DISCOVERY_AUTO_ENABLE), never removed; readers take the arrays afresh.
 */
export class ModelCatalog {
  private current: readonly Deployment[] = [];
  private byModel: ReadonlyMap<string, Deployment[]> = new Map();

  constructor(entries: ModelEntry[]) {
    this.add(entries);
  }

  get deployments(): readonly Deployment[] {
    return this.current;
  }

  /** Public model ids with their deployments, in catalog order. */
  get groups(): ReadonlyMap<string, Deployment[]> {
    return this.byModel;
  }

  /** Adds deployments after the others (an entry whose `provider/id` is already served is left out). */
  add(entries: readonly ModelEntry[]): Deployment[] {
    const known = new Set(this.current.map((deployment) => deployment.key));
    const added = entries
      .map((entry): Deployment => ({
        ...entry,
        key: deploymentKey(entry.provider, entry.id),
        model: entry.model ?? entry.id,
        capabilities: { ...DEFAULT_CAPABILITIES, ...entry.capabilities },
      }))
      .filter((deployment) => !known.has(deployment.key));
    this.current = [...this.current, ...added];
    const groups = new Map<string, Deployment[]>();
    for (const deployment of this.current) groups.set(deployment.model, [...(groups.get(deployment.model) ?? []), deployment]);
    this.byModel = groups;
    return added;
  }
}
