import { describe, expect, it } from 'vitest';
import { chatSummary } from '../../test/support/fixtures.js';
import type { ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { answerPace, blend, ewmaWeight } from './latency-estimates.js';

/** An answer that came after a failed attempt: 900 ms to its first token for the client, 150 ms of its own. */
const summary = (overrides: Partial<ChatRequestSummary>): ChatRequestSummary =>
  chatSummary({ attempts: 2, promptTokens: 5, completionTokens: 101, timeToFirstTokenMs: 900, answerFirstTokenMs: 150, durationMs: 1_900, ...overrides });

describe('latency estimates', () => {
  it('weighs samples so that after a half-life of answers an old value counts half', () => {
    const weight = ewmaWeight(10);
    expect((1 - weight) ** 10).toBeCloseTo(0.5, 10);
    let estimate = blend(undefined, { firstTokenMs: 100, tokensPerSecond: null }, weight);
    for (let i = 0; i < 10; i++) estimate = blend(estimate, { firstTokenMs: 300, tokensPerSecond: null }, weight);
    expect(estimate.timeToFirstTokenMs).toBeCloseTo(200, 6);
    expect(estimate.answers).toBe(11);
  });

  it("takes the answering attempt's own first token (not the failed attempts' time before it), and the pace after it", () => {
    expect(answerPace(summary({}))).toEqual({ firstTokenMs: 150, tokensPerSecond: 101 });
  });

  it('learns nothing from an answer that did not complete, and no pace from one too short to show one', () => {
    for (const outcome of ['failed', 'interrupted', 'cancelled', 'rejected'] as const) expect(answerPace(summary({ outcome }))).toBeNull();
    expect(answerPace(summary({ completionTokens: 19 }))).toEqual({ firstTokenMs: 150, tokensPerSecond: null });
    expect(answerPace(summary({ completionTokens: 20 }))).toEqual({ firstTokenMs: 150, tokensPerSecond: 20 });
  });

  it('keeps the pace it had when an answer brings none', () => {
    const weight = ewmaWeight(1);
    const first = blend(undefined, { firstTokenMs: 100, tokensPerSecond: 50 }, weight);
    expect(blend(first, { firstTokenMs: 100, tokensPerSecond: null }, weight).tokensPerSecond).toBe(50);
  });
});
