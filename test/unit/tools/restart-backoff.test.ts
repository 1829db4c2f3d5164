import { describe, expect, it } from 'vitest';
import { RESTART_BASE_MS, RESTART_MAX_MS, STABLE_RUN_MS, nextRestartCount, restartDelayMs } from '../../../src/tools/restart-backoff.js';

describe('restart backoff', () => {
  it('doubles from RESTART_BASE_MS per restart in a row, up to RESTART_MAX_MS', () => {
    const none = (): number => 0;
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((n) => restartDelayMs(n, none))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(restartDelayMs(1, none)).toBe(RESTART_BASE_MS);
    expect(restartDelayMs(1000, none)).toBe(RESTART_MAX_MS);
    expect(restartDelayMs(0, none)).toBe(RESTART_BASE_MS);
  });

  it('takes up to a quarter off at random (injected)', () => {
    expect(restartDelayMs(3, () => 0.999999)).toBe(3000);
    expect(restartDelayMs(3, () => 0.5)).toBe(3500);
    expect(restartDelayMs(100, () => 1)).toBe(RESTART_MAX_MS * 0.75);
  });

  it('counts restarts in a row, and starts over after a run of STABLE_RUN_MS', () => {
    expect(nextRestartCount(0, 100)).toBe(1);
    expect(nextRestartCount(4, STABLE_RUN_MS - 1)).toBe(5);
    expect(nextRestartCount(4, STABLE_RUN_MS)).toBe(1);
  });
});
