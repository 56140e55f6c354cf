import { describe, expect, it } from 'vitest';
import { deployment as buildDeployment } from '../../../test/support/fixtures.js';
import type { Deployment } from '../../config/model-catalog.js';
import { LeastUsedStrategy } from './least-used.strategy.js';

const deployment = (id: string) => buildDeployment('groq', id);

const ids = (ordered: Deployment[]) => ordered.map((d) => d.id);

describe('LeastUsedStrategy', () => {
  it('orders candidates by utilisation, least used first', () => {
    const load: Record<string, number> = { a: 0.9, b: 0.1, c: 0.5 };
    const strategy = new LeastUsedStrategy((d) => load[d.id]);
    expect(ids(strategy.order(['a', 'b', 'c'].map(deployment)))).toEqual(['b', 'c', 'a']);
  });

  it('keeps catalog order among candidates with equal utilisation', () => {
    const load: Record<string, number> = { a: 0.5, b: 0, c: 0.5, d: 0 };
    const strategy = new LeastUsedStrategy((d) => load[d.id]);
    expect(ids(strategy.order(['a', 'b', 'c', 'd'].map(deployment)))).toEqual(['b', 'd', 'a', 'c']);
  });

  it('reads utilisation afresh on every call', () => {
    const load: Record<string, number> = { a: 0, b: 0.2 };
    const strategy = new LeastUsedStrategy((d) => load[d.id]);
    const candidates = ['a', 'b'].map(deployment);
    expect(ids(strategy.order(candidates))).toEqual(['a', 'b']);
    load.a = 0.8;
    expect(ids(strategy.order(candidates))).toEqual(['b', 'a']);
  });

  it('previews the order order() gives, from the same utilisation', () => {
    const load: Record<string, number> = { a: 0.7, b: 0.2 };
    const strategy = new LeastUsedStrategy((d) => load[d.id]);
    expect(ids(strategy.preview(['a', 'b'].map(deployment)))).toEqual(['b', 'a']);
  });
});
