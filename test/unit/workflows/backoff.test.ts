import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_EXPONENT, SLOT_RECHECK_EXPONENT, backoffMs, delayedRetryMs, slotRecheckMs } from '../../../src/workflows/backoff.js';

const MIN = 60_000;

describe('BMO error backoff', () => {
  it.each([
    [1, 1 * MIN, 2 * MIN],
    [2, 2 * MIN, 4 * MIN],
    [3, 4 * MIN, 8 * MIN],
    [6, 32 * MIN, 64 * MIN],
    [9, 256 * MIN, 512 * MIN],
  ])('errorCount %i waits between %i and %i ms', (n, lo, hi) => {
    expect(backoffMs(n, () => 0)).toBe(hi);
    expect(backoffMs(n, () => 1)).toBe(lo);
    const mid = backoffMs(n, () => 0.5);
    expect(mid).toBeGreaterThan(lo);
    expect(mid).toBeLessThan(hi);
  });

  it('caps the exponent at 9 (about 8.5 hours)', () => {
    expect(BACKOFF_MAX_EXPONENT).toBe(9);
    expect(backoffMs(50, () => 0)).toBe(512 * MIN);
  });

  it('treats 0 or negative counts as the first error', () => {
    expect(backoffMs(0, () => 0)).toBe(2 * MIN);
    expect(backoffMs(-3, () => 0)).toBe(2 * MIN);
  });

  it('delays capacity retries by 1-2 minutes', () => {
    expect(delayedRetryMs(() => 0)).toBe(2 * MIN);
    expect(delayedRetryMs(() => 1)).toBe(MIN);
  });
});

describe('backoff unit', () => {
  it('scales every wait by the configured unit', () => {
    expect(backoffMs(3, () => 0, 1000)).toBe(8000);
    expect(backoffMs(3, () => 1, 1000)).toBe(4000);
    expect(delayedRetryMs(() => 0, 500)).toBe(1000);
  });

  it('a host queued for a provisioning slot asks again on its own only after 8-16 units (the semaphore wakes it)', () => {
    expect(SLOT_RECHECK_EXPONENT).toBe(4);
    expect(slotRecheckMs(() => 0)).toBe(16 * MIN);
    expect(slotRecheckMs(() => 1)).toBe(8 * MIN);
    expect(slotRecheckMs(() => 1, 1_000)).toBe(8_000);
  });
});
