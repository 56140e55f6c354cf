import type { Deployment } from '../../config/model-catalog.js';

/**
 * Orders the candidate deployments for one request: the first is tried first, the rest are the
 * fallback order. Returning every candidate (not just one) is what lets failover reach a free
 * deployment instead of re-picking a limited one.
 */
export abstract class RotationStrategy {
  abstract readonly name: string;
  abstract order(candidates: readonly Deployment[]): Deployment[];
}
