import { describe, expect, it } from 'vitest';
import { UsageWindow } from './usage-window.js';

const at = (iso: string) => Date.parse(iso);

describe('UsageWindow', () => {
  it('aligns a minute window to the UTC minute and ends at the next one', () => {
    const window = new UsageWindow('minute').roll(at('2026-03-04T10:20:30.500Z'));
    expect(window.start).toBe(at('2026-03-04T10:20:00.000Z'));
    expect(window.end).toBe(at('2026-03-04T10:21:00.000Z'));
  });

  it('aligns an hour window to the UTC hour', () => {
    const window = new UsageWindow('hour').roll(at('2026-03-04T10:59:59.999Z'));
    expect(window.start).toBe(at('2026-03-04T10:00:00.000Z'));
    expect(window.end).toBe(at('2026-03-04T11:00:00.000Z'));
  });

  it('aligns a day window to UTC midnight', () => {
    const window = new UsageWindow('day').roll(at('2026-03-04T23:59:59.999Z'));
    expect(window.start).toBe(at('2026-03-04T00:00:00.000Z'));
    expect(window.end).toBe(at('2026-03-05T00:00:00.000Z'));
  });

  it('keeps its counts while `now` stays inside the window', () => {
    const window = new UsageWindow('minute').roll(at('2026-03-04T10:20:00.000Z'));
    window.requests = 3;
    window.reservedTokens = 100;
    window.roll(at('2026-03-04T10:20:59.999Z'));
    expect(window.requests).toBe(3);
    expect(window.reservedTokens).toBe(100);
  });

  it('resets every count when `now` leaves the window', () => {
    const window = new UsageWindow('day').roll(at('2026-03-04T23:59:59.999Z'));
    Object.assign(window, { requests: 3, promptTokens: 10, completionTokens: 20, reservedTokens: 30 });
    window.roll(at('2026-03-05T00:00:00.000Z'));
    expect(window.start).toBe(at('2026-03-05T00:00:00.000Z'));
    expect([window.requests, window.promptTokens, window.completionTokens, window.reservedTokens]).toEqual([0, 0, 0, 0]);
  });

  it('counts committed tokens as spent plus reserved', () => {
    const window = new UsageWindow('minute');
    Object.assign(window, { promptTokens: 10, completionTokens: 20, reservedTokens: 30 });
    expect(window.committedTokens).toBe(60);
  });
});
