/**
 * BMO's error backoff (action_result.go calculateBackoff): 2^n minutes minus up to half of it at
 * random, n = errorCount capped at 9, so n=1 waits 1–2 min and the cap is 4h16m–8h32m.
 * `random` is injected: the workflow passes its deterministic Math.random. `unitMs` (a minute in
 * BMO) is configurable so labs and tests can shorten every wait at once.
 */
export const BACKOFF_MAX_EXPONENT = 9;
const MINUTE_MS = 60_000;

export function backoffMs(errorCount: number, random: () => number, unitMs: number = MINUTE_MS): number {
  const n = Math.min(Math.max(errorCount, 1), BACKOFF_MAX_EXPONENT);
  const base = 2 ** n * unitMs;
  return Math.round(base - random() * base * 0.5);
}

/** BMO's `actionDelayed`: the wait before asking again for a provisioning slot (1–2 min). */
export function delayedRetryMs(random: () => number, unitMs: number = MINUTE_MS): number {
  return backoffMs(1, random, unitMs);
}

/**
 * A host queued at the provisioning semaphore is woken by its signal when a slot is free; it asks
 * again on its own only after 2^4 units (8-16 min), a safety net that keeps 1000 waiters from
 * polling the semaphore.
 */
export const SLOT_RECHECK_EXPONENT = 4;

export function slotRecheckMs(random: () => number, unitMs: number = MINUTE_MS): number {
  return backoffMs(SLOT_RECHECK_EXPONENT, random, unitMs);
}
