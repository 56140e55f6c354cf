import { Injectable } from '@nestjs/common';
import { ModelNotAllowedError, ModelNotFoundError, NoModelAvailableError } from '../common/errors/gateway-errors.js';
import type { Deployment } from '../config/model-catalog.js';
import { allows } from './allowed-models.js';
import { ModelCatalogService } from './model-catalog.service.js';
import type { CandidatePlan } from '../usage/limit-store.js';
import { RotationStrategy } from './strategies/rotation-strategy.js';

/** Turns a request's `model` field into the ordered list of deployments to try. */
@Injectable()
export class ModelSelector {
  constructor(
    private readonly catalog: ModelCatalogService,
    private readonly strategy: RotationStrategy,
  ) {}

  /**
   * `undefined`: every deployment, in the rotation strategy's order. A model id: every deployment
   * of that public model (or with that provider model id). `provider/id`: that one deployment.
   * Throws when none exists or none can serve. Ordered by the rotation strategy here, and in
   * Redis when replicas share state.
   */
  candidates(model: string | undefined, allowed: readonly string[] | null = null): CandidatePlan {
    const known = model === undefined ? [...this.catalog.deployments] : this.resolve(model);
    if (known.length === 0) throw new ModelNotFoundError(model ?? '');
    // An access key limited to some models sees only those (a public id allows all its deployments).
    const matching = known.filter((deployment) => allows(allowed, deployment));
    if (matching.length === 0) throw new ModelNotAllowedError(model, allowed!);
    const servable = matching.filter((deployment) => this.catalog.servability(deployment).available);
    if (servable.length === 0) throw this.noneAvailable(matching);
    const ordered = this.strategy.order(servable);
    const ordering = this.strategy.sharedOrdering;
    return { ordered, shared: { candidates: ordering === 'given' ? ordered : servable, ordering } };
  }

  private resolve(model: string): Deployment[] {
    const byId = this.catalog.deployments.filter((deployment) => deployment.model === model || deployment.id === model);
    if (byId.length > 0) return byId;
    // Only then `provider/id`: Groq's own ids contain a slash (`openai/gpt-oss-120b`).
    return this.catalog.deployments.filter((deployment) => deployment.key === model);
  }

  private noneAvailable(matching: Deployment[]): NoModelAvailableError {
    const reasons = matching.map((deployment) => `${deployment.key}: ${this.catalog.servability(deployment).reason}`);
    const missing = this.catalog.missingKeyVariables();
    const hint = missing.length > 0 ? ` Set ${missing.join(' or ')} to enable more providers.` : '';
    return new NoModelAvailableError(`No model can serve this request (${reasons.join('; ')}).${hint}`);
  }
}
