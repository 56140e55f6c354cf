import { describe, expect, it } from 'vitest';
import { deployment as buildDeployment } from '../../../test/support/fixtures.js';
import type { Deployment } from '../../config/model-catalog.js';
import type { LatencyEstimate } from '../latency-estimates.js';
import { expectedAnswerMs, LatencyStrategy } from './latency.strategy.js';

const deployment = (id: string) => buildDeployment('groq', id);
const ids = (ordered: Deployment[]) => ordered.map((d) => d.id);
const pace = (timeToFirstTokenMs: number, tokensPerSecond: number | null = null): LatencyEstimate => ({ timeToFirstTokenMs, tokensPerSecond, answers: 5 });

/** Returns the given values in turn, then repeats them. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('LatencyStrategy', () => {
  const [a, b, c] = ['a', 'b', 'c'].map(deployment) as [Deployment, Deployment, Deployment];

  it('reckons a deployment by the time a 200-token answer takes: first token, then 200 tokens at its pace', () => {
    expect(expectedAnswerMs(pace(100, 400))).toBe(600);
    expect(expectedAnswerMs(pace(100))).toBe(100);
    expect(expectedAnswerMs(null)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('puts the fastest first, a quick first token losing to a much faster pace', () => {
    const estimates: Record<string, LatencyEstimate> = { a: pace(100, 50), b: pace(300, 1_000), c: pace(200, 100) };
    const strategy = new LatencyStrategy((d) => estimates[d.id]!, 0);
    // a: 100 + 4000 = 4100; b: 300 + 200 = 500; c: 200 + 2000 = 2200.
    expect(ids(strategy.order([a, b, c]))).toEqual(['b', 'c', 'a']);
  });

  it('tries deployments without an estimate first, in catalog order', () => {
    const estimates: Record<string, LatencyEstimate | null> = { a: pace(10), b: null, c: null };
    expect(ids(new LatencyStrategy((d) => estimates[d.id]!, 0).order([a, b, c]))).toEqual(['b', 'c', 'a']);
    // An exploring draw does not put them off: every request explores until each has an estimate.
    expect(ids(new LatencyStrategy((d) => estimates[d.id]!, 1, sequence(0, 0.99)).order([a, b, c]))).toEqual(['b', 'c', 'a']);
  });

  it('sends a share of requests to another candidate first (exploration), the rest in rank order', () => {
    const estimates: Record<string, LatencyEstimate> = { a: pace(10), b: pace(20), c: pace(30) };
    // First draw under 0.2: explore; second draw picks among the others (0.99 → the last).
    const exploring = new LatencyStrategy((d) => estimates[d.id]!, 0.2, sequence(0.1, 0.99));
    expect(ids(exploring.order([a, b, c]))).toEqual(['c', 'a', 'b']);
    const ranking = new LatencyStrategy((d) => estimates[d.id]!, 0.2, sequence(0.5));
    expect(ids(ranking.order([a, b, c]))).toEqual(['a', 'b', 'c']);
    // The preview is the rank order, whatever the draws.
    expect(ids(exploring.preview([a, b, c]))).toEqual(['a', 'b', 'c']);
  });
});
