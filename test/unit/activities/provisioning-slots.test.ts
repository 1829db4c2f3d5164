/**
 * The activities between host workflows and the provisioning semaphore: a holder whose host stays
 * out of the busy states (its release failed) counts as ended, and no worker process sends the
 * semaphore more than MAX_CONCURRENT_SLOT_UPDATES updates at once (Temporal refuses more in flight).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { MAX_CONCURRENT_SLOT_UPDATES, createSlotActivities } from '../../../src/activities/provisioning-slots.js';
import { SearchAttr } from '../../../src/contract/index.js';

const running = (state: string) => ({
  status: { name: 'RUNNING' },
  raw: { workflowExecutionInfo: { firstRunId: 'run1' } },
  typedSearchAttributes: { get: (key: unknown) => (key === SearchAttr.state ? state : undefined) },
});

function fakeClient(states: Record<string, string>, pending: Array<() => void>) {
  const updates = { inFlight: 0, max: 0 };
  const handle = (id: string) => ({
    describe: async () => running(states[id] ?? 'available'),
    executeUpdate: () => {
      updates.inFlight += 1;
      updates.max = Math.max(updates.max, updates.inFlight);
      return new Promise<void>((resolve) => pending.push(() => { updates.inFlight -= 1; resolve(); }));
    },
  });
  const workflow = { getHandle: handle, executeUpdateWithStart: () => handle('semaphore').executeUpdate() };
  return { client: { workflow } as unknown as Pick<Client, 'workflow'>, updates };
}

describe('provisioning slot activities', () => {
  it('counts a running holder that stays out of the busy states past the check interval as ended (its release failed)', async () => {
    const { client } = fakeClient({ stale: 'provisioned', fresh: 'available', busy: 'inspecting' }, []);
    const acts = createSlotActivities(client);
    const holders = [
      { holder: 'stale', chain: 'run1', since: 0 },
      { holder: 'fresh', chain: 'run1', since: 5_000 }, // granted just now: about to enter its busy state
      { holder: 'busy', chain: 'run1', since: 0 },
    ];
    const ended = await new MockActivityEnvironment().run(acts.endedSlotHolders, holders, { busyStates: ['inspecting', 'provisioning', 'deprovisioning'], heldBefore: 1_000 });
    expect(ended).toEqual(['stale']);
  });

  it(`sends at most ${MAX_CONCURRENT_SLOT_UPDATES} acquire/release updates at once per process, the rest queued`, async () => {
    const pending: Array<() => void> = [];
    const { client, updates } = fakeClient({}, pending);
    const acts = createSlotActivities(client);
    const env = new MockActivityEnvironment({ taskQueue: 'q' });
    const ask = (i: number) => ({ holder: `h${i}`, chain: 'c', limit: 1, reclaimCheckMs: 1_000, maxHistoryEvents: 500 });
    const calls = [
      ...Array.from({ length: 15 }, (_, i) => env.run(acts.acquireProvisioningSlot, ask(i))),
      ...Array.from({ length: 15 }, (_, i) => env.run(acts.releaseProvisioningSlot, { holder: `h${i}` })),
    ];
    let settled = 0;
    for (const c of calls) void c.then(() => (settled += 1));
    while (settled < calls.length) {
      await new Promise((r) => setImmediate(r));
      expect(updates.inFlight).toBeLessThanOrEqual(MAX_CONCURRENT_SLOT_UPDATES);
      pending.splice(0).forEach((done) => done());
    }
    await Promise.all(calls);
    expect(updates.max).toBe(MAX_CONCURRENT_SLOT_UPDATES);
  });
});
