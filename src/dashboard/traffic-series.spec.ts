import { describe, expect, it } from 'vitest';
import { chatSummary } from '../../test/support/fixtures.js';
import type { ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { recentAnswers, SERIES_MINUTES, TrafficSeries } from './traffic-series.js';

/** The minutes' figures as the dashboard reports them. */
const minutesOf = (series: TrafficSeries, now: number) => series.minutes(now).map((minute) => minute.view);

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);

// errorCode stays null: these summaries stand for answers.
const finished = (overrides: Partial<ChatRequestSummary> = {}): ChatRequestSummary => chatSummary({ ...overrides, errorCode: null });

describe('TrafficSeries', () => {
  it('reports the last 15 minutes oldest first, zeros where nothing happened', () => {
    const series = new TrafficSeries();
    const minutes = minutesOf(series, T0 + 30_000);
    expect(minutes).toHaveLength(SERIES_MINUTES);
    expect(minutes.at(-1)!.start).toBe(new Date(T0).toISOString());
    expect(minutes[0]!.start).toBe(new Date(T0 - 14 * MINUTE).toISOString());
    expect(minutes.every((minute) => minute.tokens === 0 && minute.fallbacks === 0 && minute.timeToFirstToken.length === 0)).toBe(true);
  });

  it('counts requests by outcome, tokens and fallbacks in the minute they happened', () => {
    const series = new TrafficSeries();
    series.requestFinished(finished(), T0 + 1_000);
    series.requestFinished(finished({ outcome: 'failed', deployment: null, timeToFirstTokenMs: null, promptTokens: 0, completionTokens: 0 }), T0 + 2_000);
    series.fellBack(T0 + 2_000);
    series.requestFinished(finished({ outcome: 'cancelled' }), T0 + MINUTE + 5);
    const minutes = minutesOf(series, T0 + MINUTE + 10);
    const [previous, current] = minutes.slice(-2);
    expect(previous).toMatchObject({ requests: { completed: 1, failed: 1, rejected: 0, interrupted: 0, cancelled: 0 }, tokens: 5, fallbacks: 1 });
    expect(current).toMatchObject({ requests: { completed: 0, cancelled: 1 }, tokens: 5, fallbacks: 0 });
  });

  it('reads the current minute afresh each time, an ended one as it was when it ended', () => {
    const series = new TrafficSeries();
    series.requestFinished(finished(), T0 + 1_000);
    expect(minutesOf(series, T0 + 2_000).at(-1)!.requests.completed).toBe(1);
    series.requestFinished(finished(), T0 + 3_000);
    expect(minutesOf(series, T0 + 4_000).at(-1)!.requests.completed).toBe(2);
    const ended = minutesOf(series, T0 + MINUTE + 1).at(-2)!;
    expect(ended.requests.completed).toBe(2);
    expect(minutesOf(series, T0 + MINUTE + 2).at(-2)).toBe(ended);
  });

  it("gives each deployment's figures over every answer of the last 5 minutes, not an average of the minutes'", () => {
    const series = new TrafficSeries();
    // Minute 1: nine fast answers; minute 2: one slow one. A mean of the minutes' medians would be 550.
    for (let i = 0; i < 9; i++) series.requestFinished(finished({ timeToFirstTokenMs: 100 }), T0 + i);
    series.requestFinished(finished({ timeToFirstTokenMs: 1_000 }), T0 + MINUTE);
    series.requestFinished(finished({ deployment: { provider: 'cerebras', model: 'b' }, timeToFirstTokenMs: 50 }), T0 - 5 * MINUTE);
    const recent = recentAnswers(series.minutes(T0 + MINUTE + 1));
    expect(recent).toEqual([{ deployment: 'groq/a', count: 10, p50Ms: 100, p95Ms: 1_000, tokensPerSecondP50: 20 }]);
  });

  it('gives p50 and p95 of time to first token per deployment', () => {
    const series = new TrafficSeries();
    for (let ms = 1; ms <= 100; ms++) series.requestFinished(finished({ timeToFirstTokenMs: ms }), T0 + ms);
    series.requestFinished(finished({ deployment: { provider: 'cerebras', model: 'b' }, timeToFirstTokenMs: 40 }), T0);
    expect(minutesOf(series, T0).at(-1)!.timeToFirstToken).toEqual([
      { deployment: 'groq/a', count: 100, p50Ms: 50, p95Ms: 95, tokensPerSecondP50: expect.any(Number) },
      { deployment: 'cerebras/b', count: 1, p50Ms: 40, p95Ms: 40, tokensPerSecondP50: expect.any(Number) },
    ]);
  });

  it('gives the median pace of whole answers after their first token, per deployment', () => {
    const series = new TrafficSeries();
    // 100 tokens streamed in 1, 2 and 4 s after a 100 ms first token: 100, 50 and 25 tokens/s.
    for (const streamingMs of [1_000, 2_000, 4_000]) series.requestFinished(finished({ completionTokens: 100, timeToFirstTokenMs: 100, durationMs: 100 + streamingMs }), T0);
    // Not a pace: an interrupted answer, a one-token answer, an answer with no time after its first token.
    series.requestFinished(finished({ outcome: 'interrupted', completionTokens: 100, timeToFirstTokenMs: 100, durationMs: 110 }), T0);
    series.requestFinished(finished({ completionTokens: 1, timeToFirstTokenMs: 100, durationMs: 101 }), T0);
    series.requestFinished(finished({ completionTokens: 50, timeToFirstTokenMs: 100, durationMs: 100 }), T0);
    series.requestFinished(finished({ deployment: { provider: 'cerebras', model: 'b' }, completionTokens: 1 }), T0);
    expect(minutesOf(series, T0).at(-1)!.timeToFirstToken).toEqual([
      expect.objectContaining({ deployment: 'groq/a', count: 6, tokensPerSecondP50: 50 }),
      expect.objectContaining({ deployment: 'cerebras/b', count: 1, tokensPerSecondP50: null }),
    ]);
  });

  it('forgets minutes older than the window', () => {
    const series = new TrafficSeries();
    series.requestFinished(finished(), T0);
    const later = T0 + SERIES_MINUTES * MINUTE;
    series.requestFinished(finished(), later);
    const minutes = minutesOf(series, later);
    expect(minutes.reduce((sum, minute) => sum + minute.requests.completed, 0)).toBe(1);
    expect(minutes.at(-1)!.requests.completed).toBe(1);
  });
});
