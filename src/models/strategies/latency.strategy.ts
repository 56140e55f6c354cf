import type { Deployment } from '../../config/model-catalog.js';
import type { LatencyEstimate } from '../latency-estimates.js';
import { RotationStrategy } from './rotation-strategy.js';

/** The answer length a deployment's expected time is reckoned for: its first token, then this many tokens at its pace. */
export const REFERENCE_ANSWER_TOKENS = 200;

/** Expected milliseconds for a reference answer; -Infinity without an estimate (tried first, to get one). */
export function expectedAnswerMs(estimate: LatencyEstimate | null): number {
  if (!estimate) return Number.NEGATIVE_INFINITY;
  const streaming = estimate.tokensPerSecond ? (REFERENCE_ANSWER_TOKENS * 1000) / estimate.tokensPerSecond : 0;
  return estimate.timeToFirstTokenMs + streaming;
}

/**
 * Fastest first, by each deployment's recent time to first token and tokens per second (the time
 * a 200-token answer would take); deployments without an estimate first, in catalog order. Once
 * each has one, a share of requests (`exploration`) puts a random other candidate first, so one
 * that recovered is noticed. Admission (limits, cooldowns, circuits) then works down the order as for any strategy.
 */
export class LatencyStrategy extends RotationStrategy {
  readonly name = 'latency';

  constructor(
    private readonly estimate: (deployment: Deployment) => LatencyEstimate | null,
    private readonly exploration: number,
    private readonly random: () => number = Math.random,
  ) {
    super();
  }

  order(candidates: readonly Deployment[]): Deployment[] {
    const ranked = this.preview(candidates);
    // While one has no estimate it comes first anyway: exploring would only put it off.
    if (ranked.length > 1 && this.estimate(ranked[0]!) !== null && this.random() < this.exploration) {
      const [explored] = ranked.splice(1 + Math.floor(this.random() * (ranked.length - 1)), 1);
      ranked.unshift(explored!);
    }
    return ranked;
  }

  /** The order without exploration: what most requests get. */
  preview(candidates: readonly Deployment[]): Deployment[] {
    return candidates
      .map((deployment, index) => ({ deployment, index, expected: expectedAnswerMs(this.estimate(deployment)) }))
      .sort((a, b) => a.expected - b.expected || a.index - b.index)
      .map(({ deployment }) => deployment);
  }
}
