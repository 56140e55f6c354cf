import type { Deployment } from '../../config/model-catalog.js';
import { RotationStrategy } from './rotation-strategy.js';

/**
 * Least loaded first, measured as the share of its own per-minute limits already used, so a
 * 5 RPM model and a 30 RPM model fill up evenly. Ties keep catalog order.
 */
export class LeastUsedStrategy extends RotationStrategy {
  readonly name = 'least-used';
  override readonly sharedOrdering = 'least-used';

  constructor(private readonly utilisation: (deployment: Deployment) => number) {
    super();
  }

  order(candidates: readonly Deployment[]): Deployment[] {
    return candidates
      .map((deployment, index) => ({ deployment, index, load: this.utilisation(deployment) }))
      .sort((a, b) => a.load - b.load || a.index - b.index)
      .map(({ deployment }) => deployment);
  }

  /** The same order: it depends only on state `order()` does not change. */
  preview(candidates: readonly Deployment[]): Deployment[] {
    return this.order(candidates);
  }
}
