import type { Deployment } from '../../config/model-catalog.js';
import { RotationStrategy } from './rotation-strategy.js';

/** Starts one step further along each time; the rest follow in catalog order. */
export class RoundRobinStrategy extends RotationStrategy {
  readonly name = 'round-robin';
  override readonly sharedOrdering = 'round-robin';
  // One cursor per candidate set, so requests for one model do not skew another's rotation.
  private readonly cursors = new Map<string, number>();

  order(candidates: readonly Deployment[]): Deployment[] {
    if (candidates.length === 0) return [];
    const setKey = setKeyOf(candidates);
    const cursor = this.cursors.get(setKey) ?? 0;
    this.cursors.set(setKey, (cursor + 1) % candidates.length);
    return rotate(candidates, cursor);
  }

  preview(candidates: readonly Deployment[]): Deployment[] {
    return rotate(candidates, this.cursors.get(setKeyOf(candidates)) ?? 0);
  }
}

function setKeyOf(candidates: readonly Deployment[]): string {
  return candidates.map((candidate) => candidate.key).join('|');
}

function rotate(candidates: readonly Deployment[], start: number): Deployment[] {
  return [...candidates.slice(start), ...candidates.slice(0, start)];
}
