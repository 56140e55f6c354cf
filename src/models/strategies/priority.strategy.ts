import type { Deployment } from '../../config/model-catalog.js';
import { RotationStrategy } from './rotation-strategy.js';

/** Lowest `priority` value first; the others are the fallback order. Ties keep catalog order. */
export class PriorityStrategy extends RotationStrategy {
  readonly name = 'priority';

  order(candidates: readonly Deployment[]): Deployment[] {
    return candidates
      .map((deployment, index) => ({ deployment, index }))
      .sort((a, b) => a.deployment.priority - b.deployment.priority || a.index - b.index)
      .map(({ deployment }) => deployment);
  }

  /** The same order: it depends only on state `order()` does not change. */
  preview(candidates: readonly Deployment[]): Deployment[] {
    return this.order(candidates);
  }
}
