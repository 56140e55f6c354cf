import { describe, expect, it } from 'vitest';
import { deployment as buildDeployment } from '../../../test/support/fixtures.js';
import type { Deployment } from '../../config/model-catalog.js';
import { PriorityStrategy } from './priority.strategy.js';

const deployment = (id: string, priority: number) => buildDeployment('groq', id, { priority });

const ids = (ordered: Deployment[]) => ordered.map((d) => d.id);

describe('PriorityStrategy', () => {
  it('orders candidates by priority, lowest value first', () => {
    const ordered = new PriorityStrategy().order([deployment('a', 3), deployment('b', 1), deployment('c', 2)]);
    expect(ids(ordered)).toEqual(['b', 'c', 'a']);
  });

  it('keeps catalog order among candidates with equal priority', () => {
    const ordered = new PriorityStrategy().order([
      deployment('a', 2),
      deployment('b', 1),
      deployment('c', 2),
      deployment('d', 1),
    ]);
    expect(ids(ordered)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('sorts negative priorities before zero', () => {
    const ordered = new PriorityStrategy().order([deployment('a', 0), deployment('b', -1)]);
    expect(ids(ordered)).toEqual(['b', 'a']);
  });

  it('returns the same order on every call', () => {
    const strategy = new PriorityStrategy();
    const candidates = [deployment('a', 2), deployment('b', 1)];
    expect(ids(strategy.order(candidates))).toEqual(['b', 'a']);
    expect(ids(strategy.order(candidates))).toEqual(['b', 'a']);
  });

  it('previews the order order() gives', () => {
    const strategy = new PriorityStrategy();
    expect(ids(strategy.preview([deployment('a', 2), deployment('b', 1)]))).toEqual(['b', 'a']);
  });
});
