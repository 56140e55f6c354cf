import type { Deployment } from '../../config/model-catalog.js';
import { RotationStrategy } from './rotation-strategy.js';

/** A uniform shuffle (Fisher-Yates): every candidate appears once, so a free one is never missed. */
export class RandomStrategy extends RotationStrategy {
  readonly name = 'random';

  constructor(private readonly random: () => number = Math.random) {
    super();
  }

  order(candidates: readonly Deployment[]): Deployment[] {
    const shuffled = [...candidates];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    return shuffled;
  }

  preview(): null {
    return null;
  }
}
