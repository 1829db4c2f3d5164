/**
 * Power polling schedule (PERF-PLAN change 10): a BMC usually applies a power change within a
 * second or two, so the first polls of a wait come fast and later ones at the configured interval.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OperationContext } from '../../../src/bmc/driver.js';
import { FAST_POWER_POLL_MS, FAST_POWER_POLL_WINDOW_MS, powerPollDelayMs, waitForPower } from '../../../src/bmc/power-wait.js';

const ctx: OperationContext = { opId: 'x', heartbeat: () => undefined, signal: new AbortController().signal };
afterEach(() => void vi.useRealTimers());

describe('power poll schedule', () => {
  it('polls fast in the first seconds of a wait, then at the configured interval', () => {
    expect(powerPollDelayMs(0, 1000)).toBe(FAST_POWER_POLL_MS);
    expect(powerPollDelayMs(FAST_POWER_POLL_WINDOW_MS - 1, 1000)).toBe(FAST_POWER_POLL_MS);
    expect(powerPollDelayMs(FAST_POWER_POLL_WINDOW_MS, 1000)).toBe(1000);
    expect(powerPollDelayMs(60_000, 1000)).toBe(1000);
  });

  it('never polls slower early than the configured interval (a shorter interval wins)', () => {
    expect(powerPollDelayMs(0, 50)).toBe(50);
  });

  it('reads the BMC several times within the fast window (virtual clock)', async () => {
    vi.useFakeTimers();
    const abort = new AbortController();
    let reads = 0;
    const outcome = waitForPower({ ...ctx, signal: abort.signal }, async () => (++reads, false), true, { timeoutMs: 60_000, pollMs: 1000 }).catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(2000);
    // 1 s polls read 3 times in the first 2 s (at 0, 1 and 2 s); 250 ms polls read 9 times.
    expect(reads).toBe(9);
    abort.abort();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await outcome).toBeInstanceOf(Error);
  });
});
