import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../config/model-catalog.js';
import { PriorityStrategy } from './priority.strategy.js';

function deployment(id: string, priority: number): Deployment {
  return {
    id,
    provider: 'groq',
    key: `groq/${id}`,
    name: id,
    enabled: true,
    priority,
    limits: { requestsPerMinute: 30, requestsPerDay: 1_000, tokensPerMinute: 8_000, tokensPerDay: 200_000 },
    defaults: { temperature: 0.7, maxCompletionTokens: 1_024, topP: 1 },
  };
}

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
});
