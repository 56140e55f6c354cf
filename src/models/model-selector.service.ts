import { Injectable } from '@nestjs/common';
import { ModelNotAllowedError, ModelNotFoundError, NoModelAvailableError, RequestInvalidError, RequestTooLargeError } from '../common/errors/gateway-errors.js';
import type { Capability, Deployment } from '../config/model-catalog.js';
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
  candidates(model: string | undefined, allowed: readonly string[] | null = null, required: readonly Capability[] = []): CandidatePlan {
    const known = model === undefined ? [...this.catalog.deployments] : this.resolve(model);
    if (known.length === 0) throw new ModelNotFoundError(model ?? '');
    // An access key limited to some models sees only those (a public id allows all its deployments).
    const permitted = known.filter((deployment) => allows(allowed, deployment));
    if (permitted.length === 0) throw new ModelNotAllowedError(model, allowed!);
    // A deployment that cannot honour the request is skipped, not tried and failed.
    const matching = permitted.filter((deployment) => required.every((capability) => deployment.capabilities[capability]));
    if (matching.length === 0) throw unsupported(model, required, permitted);
    const servable = matching.filter((deployment) => this.catalog.servability(deployment).available);
    if (servable.length === 0) throw this.noneAvailable(matching);
    return this.plan(servable, this.strategy.order(servable));
  }

  /**
   * The plan the next request for these deployments would get (an access key's models, no
   * required capability), moving no rotation; null when the strategy draws its order at random
   * or none of them can serve.
   */
  preview(deployments: readonly Deployment[]): CandidatePlan | null {
    const servable = deployments.filter((deployment) => this.catalog.servability(deployment).available);
    const ordered = servable.length > 0 ? this.strategy.preview(servable) : null;
    return ordered ? this.plan(servable, ordered) : null;
  }

  /**
   * The plan without the deployments whose context window cannot hold the request (`tokensFor`:
   * its estimated prompt plus its max_tokens there), and those left out. None left: a 413, since
   * no retry can help.
   */
  withinContextWindows(plan: CandidatePlan, tokensFor: (deployment: Deployment) => number): { plan: CandidatePlan; tooSmall: Deployment[] } {
    const fits = (deployment: Deployment) => {
      const window = this.catalog.contextWindow(deployment);
      return window === undefined || tokensFor(deployment) <= window;
    };
    const tooSmall = plan.ordered.filter((deployment) => !fits(deployment));
    if (tooSmall.length === 0) return { plan, tooSmall };
    if (tooSmall.length === plan.ordered.length) {
      throw new RequestTooLargeError(
        tooSmall.map((deployment) => `${deployment.key} needs about ${tokensFor(deployment)} tokens (prompt estimate plus max_tokens), more than its ${this.catalog.contextWindow(deployment)}-token context window`),
      );
    }
    return {
      plan: { ordered: plan.ordered.filter(fits), shared: { candidates: plan.shared.candidates.filter(fits), ordering: plan.shared.ordering } },
      tooSmall,
    };
  }

  private plan(servable: Deployment[], ordered: Deployment[]): CandidatePlan {
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

const CAPABILITY_FIELDS: Record<Capability, { field: string; feature: string }> = {
  tools: { field: 'tools', feature: 'tools (function calling)' },
  jsonSchema: { field: 'response_format', feature: 'response_format json_schema' },
};

/** A 400 naming what the request needs that none of its deployments declares (capabilities in the catalog). */
function unsupported(model: string | undefined, required: readonly Capability[], permitted: Deployment[]): RequestInvalidError {
  const missing = required.filter((capability) => permitted.every((deployment) => !deployment.capabilities[capability]));
  const lacking = missing.length > 0 ? missing : required;
  const target = model === undefined ? 'No model in the catalog' : `No deployment of "${model}"`;
  const fields = lacking.map((capability) => ({
    field: CAPABILITY_FIELDS[capability].field,
    errors: [`${target} supports ${CAPABILITY_FIELDS[capability].feature}`],
  }));
  return new RequestInvalidError(`${target} supports ${lacking.map((capability) => CAPABILITY_FIELDS[capability].feature).join(' together with ')} (capabilities in the catalog).`, { fields });
}
