/**
 * The workflow-level retry of agent boots must behave as Temporal's retry policy of the other
 * activities: same waits, same attempts, same failures treated as final.
 */
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { NON_RETRYABLE_ERROR_TYPES } from '../../../src/errors.js';
import { ACTIVITY_RETRY, RETRY_MAXIMUM_ATTEMPTS, RETRY_MAXIMUM_INTERVAL_MS, SINGLE_ATTEMPT, retryDelayMs, retryableFailure } from '../../../src/workflows/activity-retry.js';

const activityFailure = (cause: Error): ActivityFailure => new ActivityFailure('activity failed', 'bootAgent', '6', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'worker', cause);

describe('activity retry policy', () => {
  it('waits 2 s, 4 s, 8 s ... capped at 30 s, as the activities’ retry policy', () => {
    expect([1, 2, 3, 4, 5, 10].map(retryDelayMs)).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(RETRY_MAXIMUM_INTERVAL_MS).toBe(30_000);
    expect(ACTIVITY_RETRY).toMatchObject({ initialInterval: 2_000, backoffCoefficient: 2, maximumInterval: 30_000, maximumAttempts: RETRY_MAXIMUM_ATTEMPTS });
  });

  it('makes 4 attempts; the self-retried activity gets one attempt from Temporal', () => {
    expect(RETRY_MAXIMUM_ATTEMPTS).toBe(4);
    expect(SINGLE_ATTEMPT.maximumAttempts).toBe(1);
    expect(SINGLE_ATTEMPT.nonRetryableErrorTypes).toEqual([...NON_RETRYABLE_ERROR_TYPES]);
  });

  it('retries transient failures and timeouts, not final ones', () => {
    expect(retryableFailure(activityFailure(ApplicationFailure.retryable('power did not turn on', 'PowerControlError')))).toBe(true);
    expect(retryableFailure(activityFailure(new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE)))).toBe(true);
    expect(retryableFailure(activityFailure(ApplicationFailure.nonRetryable('no')))).toBe(false);
    expect(retryableFailure(activityFailure(ApplicationFailure.retryable('bad password', 'BmcAuthenticationError')))).toBe(false);
    expect(retryableFailure(new Error('not an activity failure'))).toBe(false);
  });
});
