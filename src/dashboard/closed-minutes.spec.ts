import { describe, expect, it } from 'vitest';
import type { TrafficMinuteDto } from './dto/dashboard-data.dto.js';
import { ClosedMinutes } from './traffic-series.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);
const view = (tokens: number) => ({ tokens }) as TrafficMinuteDto;

describe('ClosedMinutes', () => {
  it('computes a minute on every read until its end plus the grace, then keeps what it computed', () => {
    const closed = new ClosedMinutes(5_000);
    let tokens = 0;
    const read = (now: number) => closed.view(T0, now, () => view(++tokens)).tokens;
    expect(read(T0 + 30_000)).toBe(1);
    expect(read(T0 + MINUTE + 1_000)).toBe(2);
    expect(read(T0 + MINUTE + 5_000)).toBe(3);
    expect(read(T0 + MINUTE + 6_000)).toBe(3);
  });

  it('forgets minutes that left the window', () => {
    const closed = new ClosedMinutes();
    closed.view(T0, T0 + MINUTE, () => view(1));
    closed.view(T0 + 20 * MINUTE, T0 + 21 * MINUTE, () => view(2));
    expect(closed.view(T0, T0 + 21 * MINUTE, () => view(3)).tokens).toBe(3);
  });
});
