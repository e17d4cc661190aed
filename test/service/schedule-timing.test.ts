/** The scheduler's pure timing rules (feed-service/schedule-timing.ts). */
import { describe, expect, it } from 'vitest';
import { boundedMs, jitterMs, periodOf, retryDelayMs } from '../../feed-service/schedule-timing.ts';

const H = 3_600_000;

describe('schedule timing', () => {
  it('takes the shortest gap between next runs as the period', () => {
    // `0 1,3 * * *`: 2 h, then 22 h.
    expect(periodOf([1 * H, 3 * H, 25 * H, 27 * H])).toBe(2 * H);
    expect(periodOf([5])).toBe(Infinity);
  });

  it('caps jitter and skew allowance at a quarter of the period', () => {
    expect(boundedMs(30, 2 * H)).toBe(30_000);
    expect(boundedMs(60, 60_000)).toBe(15_000); // every minute
    expect(boundedMs(60, undefined)).toBe(60_000);
    expect(jitterMs(0.5, 60, 60_000)).toBe(7_500);
    expect(jitterMs(0, 60, 2 * H)).toBe(0);
  });

  it('doubles the retry wait per consecutive failure, up to the maximum', () => {
    expect([1, 2, 3, 4, 7, 8].map((n) => retryDelayMs(n, 60, 3600))).toEqual([60_000, 120_000, 240_000, 480_000, 3_600_000, 3_600_000]);
  });
});
