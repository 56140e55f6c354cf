import { describe, expect, it } from 'vitest';
import { deployment } from '../../../test/support/fixtures.js';
import type { Deployment } from '../../config/model-catalog.js';
import { RoundRobinStrategy } from './round-robin.strategy.js';

const keys = (ordered: Deployment[]) => ordered.map((d) => d.key);

describe('RoundRobinStrategy', () => {
  const a = deployment('groq', 'a');
  const b = deployment('cerebras', 'b');
  const c = deployment('groq', 'c');

  it('starts one candidate further along on each call and keeps the rest in catalog order', () => {
    const strategy = new RoundRobinStrategy();
    expect(keys(strategy.order([a, b, c]))).toEqual(['groq/a', 'cerebras/b', 'groq/c']);
    expect(keys(strategy.order([a, b, c]))).toEqual(['cerebras/b', 'groq/c', 'groq/a']);
    expect(keys(strategy.order([a, b, c]))).toEqual(['groq/c', 'groq/a', 'cerebras/b']);
  });

  it('wraps around to the first candidate after the last', () => {
    const strategy = new RoundRobinStrategy();
    strategy.order([a, b]);
    strategy.order([a, b]);
    expect(keys(strategy.order([a, b]))).toEqual(['groq/a', 'cerebras/b']);
  });

  it('keeps a separate cursor per candidate set, so one model does not skew another', () => {
    const strategy = new RoundRobinStrategy();
    strategy.order([a, b]);
    strategy.order([a, b]);
    strategy.order([a, b]);
    // A different set starts from its own beginning.
    expect(keys(strategy.order([b, c]))).toEqual(['cerebras/b', 'groq/c']);
    // And the first set carries on where it left off.
    expect(keys(strategy.order([a, b]))).toEqual(['cerebras/b', 'groq/a']);
  });

  it('returns every candidate exactly once', () => {
    const strategy = new RoundRobinStrategy();
    for (let i = 0; i < 4; i++) {
      expect(keys(strategy.order([a, b, c])).sort()).toEqual(['cerebras/b', 'groq/a', 'groq/c']);
    }
  });

  it('previews the next order without moving the rotation', () => {
    const strategy = new RoundRobinStrategy();
    expect(keys(strategy.preview([a, b, c]))).toEqual(['groq/a', 'cerebras/b', 'groq/c']);
    expect(keys(strategy.preview([a, b, c]))).toEqual(['groq/a', 'cerebras/b', 'groq/c']);
    strategy.order([a, b, c]);
    expect(keys(strategy.preview([a, b, c]))).toEqual(['cerebras/b', 'groq/c', 'groq/a']);
    expect(keys(strategy.order([a, b, c]))).toEqual(['cerebras/b', 'groq/c', 'groq/a']);
  });

  it('returns nothing for no candidates', () => {
    expect(new RoundRobinStrategy().order([])).toEqual([]);
  });
});
