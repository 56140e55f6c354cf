import type { Deployment } from '../../config/model-catalog.js';
import type { CandidateOrdering } from '../../usage/limit-store.js';

/**
 * Orders the candidate deployments for one request: the first is tried first, the rest are the
 * fallback order. Returning every candidate (not just one) is what lets failover reach a free
 * deployment instead of re-picking a limited one.
 */
export abstract class RotationStrategy {
  abstract readonly name: string;
  /**
   * How Redis orders the candidates when replicas share state (REDIS_URL): from the shared
   * round-robin cursor or least-used counts, or as `order()` gave them (state-free strategies).
   */
  readonly sharedOrdering: CandidateOrdering = 'given';
  abstract order(candidates: readonly Deployment[]): Deployment[];
  /**
   * The order the next `order()` call would give, moving nothing (a round-robin cursor stays
   * where it is); null when that order is drawn at random. What the dashboard shows as the next pick.
   */
  abstract preview(candidates: readonly Deployment[]): Deployment[] | null;
}
