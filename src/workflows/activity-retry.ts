/**
 * How activities are retried: Temporal's retry policy for most, and the same policy run by the
 * workflow itself where something must happen between attempts (a fresh agent token before each
 * agent boot attempt).
 */
import { ActivityFailure, ApplicationFailure, type RetryPolicy } from '@temporalio/common';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors.js';

export const RETRY_INITIAL_INTERVAL_MS = 2_000;
export const RETRY_BACKOFF_COEFFICIENT = 2;
export const RETRY_MAXIMUM_INTERVAL_MS = 30_000;
/** Attempts of one activity (or of one agent boot) before the host error is recorded. */
export const RETRY_MAXIMUM_ATTEMPTS = 4;

export const ACTIVITY_RETRY: RetryPolicy = {
  initialInterval: RETRY_INITIAL_INTERVAL_MS,
  backoffCoefficient: RETRY_BACKOFF_COEFFICIENT,
  maximumInterval: RETRY_MAXIMUM_INTERVAL_MS,
  maximumAttempts: RETRY_MAXIMUM_ATTEMPTS,
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
};

/** For activities the workflow retries itself. */
export const SINGLE_ATTEMPT: RetryPolicy = { ...ACTIVITY_RETRY, maximumAttempts: 1 };

/** The wait after failed attempt `attempt` (1-based), as Temporal would wait under ACTIVITY_RETRY. */
export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_INITIAL_INTERVAL_MS * RETRY_BACKOFF_COEFFICIENT ** Math.max(0, attempt - 1), RETRY_MAXIMUM_INTERVAL_MS);
}

/** Whether Temporal would have retried this activity failure under ACTIVITY_RETRY (attempts aside). */
export function retryableFailure(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    return !cause.nonRetryable && !(NON_RETRYABLE_ERROR_TYPES as readonly string[]).includes(cause.type ?? '');
  }
  return true; // timeouts and lost workers
}
