/**
 * The provisioning semaphore's holder check has its own activity options: one short attempt, so a
 * slow or failing check cannot stall the semaphore (a failed check is simply tried again at the
 * next interval), unlike the BMC calls' 2 min x 4 attempts.
 */
import { describe, expect, it } from 'vitest';
import { Timeouts } from '../../../src/contract/index.js';
import { LOCAL_FIRST_ATTEMPT_OPTIONS, LOCAL_OPTIONS, SLOT_CHECK_OPTIONS } from '../../../src/workflows/activity-proxies.js';

describe('slot holder check options', () => {
  it('gives the check one attempt of Timeouts.slotHolderCheckMs (at most 30 s)', () => {
    expect(SLOT_CHECK_OPTIONS.retry?.maximumAttempts).toBe(1);
    expect(SLOT_CHECK_OPTIONS.startToCloseTimeout).toBe(Timeouts.slotHolderCheckMs);
    expect(Timeouts.slotHolderCheckMs).toBeLessThanOrEqual(30_000);
  });
});

describe('local activity options', () => {
  // Temporal's workflow task timeout (10 s: hosts are started with the default): a local activity
  // running past it keeps the task open with heartbeats, each one more workflow task in the history.
  const WORKFLOW_TASK_TIMEOUT_MS = 10_000;

  it('keeps every local call (and the first local attempt of registration) inside the workflow task timeout', () => {
    for (const o of [LOCAL_OPTIONS, LOCAL_FIRST_ATTEMPT_OPTIONS]) expect(o.startToCloseTimeout).toBe(Timeouts.localCallMs);
    expect(Timeouts.localCallMs).toBeLessThan(WORKFLOW_TASK_TIMEOUT_MS);
  });

  it('gives registration one local attempt: the normal activity does the retries', () => {
    expect(LOCAL_FIRST_ATTEMPT_OPTIONS.retry?.maximumAttempts).toBe(1);
  });
});
