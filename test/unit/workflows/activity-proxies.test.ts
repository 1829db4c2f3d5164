/**
 * The provisioning semaphore's holder check has its own activity options: one short attempt, so a
 * slow or failing check cannot stall the semaphore (a failed check is simply tried again at the
 * next interval), unlike the BMC calls' 2 min x 4 attempts.
 */
import { describe, expect, it } from 'vitest';
import { Timeouts } from '../../../src/contract/index.js';
import { SLOT_CHECK_OPTIONS } from '../../../src/workflows/activity-proxies.js';

describe('slot holder check options', () => {
  it('gives the check one attempt of Timeouts.slotHolderCheckMs (at most 30 s)', () => {
    expect(SLOT_CHECK_OPTIONS.retry?.maximumAttempts).toBe(1);
    expect(SLOT_CHECK_OPTIONS.startToCloseTimeout).toBe(Timeouts.slotHolderCheckMs);
    expect(Timeouts.slotHolderCheckMs).toBeLessThanOrEqual(30_000);
  });
});
