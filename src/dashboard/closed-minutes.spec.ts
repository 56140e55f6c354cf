import { describe, expect, it } from 'vitest';
import { ClosedMinutes, emptyBucket } from './traffic-series.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);

describe('ClosedMinutes', () => {
  it('keeps a minute only once its end plus the grace has passed', () => {
    const closed = new ClosedMinutes(5_000);
    closed.keep(emptyBucket(T0), T0 + 30_000);
    closed.keep(emptyBucket(T0), T0 + MINUTE + 4_999);
    expect(closed.get(T0)).toBeUndefined();
    const kept = closed.keep(emptyBucket(T0), T0 + MINUTE + 5_000);
    expect(closed.get(T0)).toBe(kept);
    expect(kept.view.start).toBe(new Date(T0).toISOString());
  });

  it('forgets minutes that left the window', () => {
    const closed = new ClosedMinutes();
    closed.keep(emptyBucket(T0), T0 + MINUTE);
    closed.keep(emptyBucket(T0 + 20 * MINUTE), T0 + 21 * MINUTE);
    expect(closed.get(T0)).toBeUndefined();
    expect(closed.get(T0 + 20 * MINUTE)).toBeDefined();
  });
});
