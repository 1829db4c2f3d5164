/**
 * When a supervised process that died is started again: 2^(n-1) × RESTART_BASE_MS for its n-th
 * restart in a row, capped at RESTART_MAX_MS, minus up to a quarter at random (two processes that
 * died together do not come back in lockstep). A run that lasted STABLE_RUN_MS resets the count: a
 * worker that crashes once a day restarts at once, one that crashes at start is not hammered.
 * `random` is injected (tests), as in src/workflows/backoff.ts.
 */
export const RESTART_BASE_MS = 1_000;
export const RESTART_MAX_MS = 30_000;
export const STABLE_RUN_MS = 60_000;

export function restartDelayMs(restartsInARow: number, random: () => number): number {
  const n = Math.max(restartsInARow, 1);
  const base = Math.min(RESTART_BASE_MS * 2 ** Math.min(n - 1, 30), RESTART_MAX_MS);
  return Math.round(base - random() * base * 0.25);
}

/** The count of restarts in a row after a run of `ranMs`: back to 1 after a stable run. */
export function nextRestartCount(previous: number, ranMs: number): number {
  return ranMs >= STABLE_RUN_MS ? 1 : previous + 1;
}
