import { describe, expect, it } from 'vitest';
import { deployment as buildDeployment } from '../../../test/support/fixtures.js';
import type { Deployment } from '../../config/model-catalog.js';
import { RandomStrategy } from './random.strategy.js';

const deployment = (id: string) => buildDeployment('groq', id);

/** Returns the given values in turn, then repeats them. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

const candidates = ['a', 'b', 'c', 'd', 'e'].map(deployment);
const ids = (ordered: Deployment[]) => ordered.map((d) => d.id);

describe('RandomStrategy', () => {
  it('returns a permutation: every candidate exactly once, whatever the random draws', () => {
    for (const draws of [[0], [0.999], [0.5, 0.1, 0.9], [0.3, 0.7]]) {
      const ordered = new RandomStrategy(sequence(...draws)).order(candidates);
      expect(ordered).toHaveLength(candidates.length);
      expect(ids(ordered).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    }
  });

  it('shuffles Fisher-Yates style: a seeded sequence gives the expected order', () => {
    // i=4: j=floor(0.1*5)=0 → swap 4,0: e b c d a
    // i=3: j=floor(0.9*4)=3 → no swap
    // i=2: j=floor(0.5*3)=1 → swap 2,1: e c b d a
    // i=1: j=floor(0.0*2)=0 → swap 1,0: c e b d a
    const ordered = new RandomStrategy(sequence(0.1, 0.9, 0.5, 0)).order(candidates);
    expect(ids(ordered)).toEqual(['c', 'e', 'b', 'd', 'a']);
  });

  it('keeps catalog order when every draw picks the current position', () => {
    const ordered = new RandomStrategy(sequence(0.999999)).order(candidates);
    expect(ids(ordered)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('does not reorder the array it was given', () => {
    const input = [...candidates];
    new RandomStrategy(sequence(0)).order(input);
    expect(ids(input)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('has no next order to preview: each is drawn when asked for', () => {
    expect(new RandomStrategy(sequence(0)).preview()).toBeNull();
  });
});
