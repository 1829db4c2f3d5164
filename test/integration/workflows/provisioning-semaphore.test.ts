/**
 * The provisioning limit is exact (issue 14 item 8): a burst of hosts asking at once never has more
 * than `limit` of them in the capacity-gated states, measured from the fake hardware's own record
 * of when each inspection ran; a holder that ends without releasing (terminated) gets its slot
 * taken back for the hosts that wait.
 */
import { describe, expect, it } from 'vitest';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';
import { maxOverlap } from '../../../bench/concurrency.js';
import { deleteSignal, hostWorkflowId, provisioningSemaphoreId, provisioningSemaphoreQuery } from '../../../src/contract/index.js';

const NS = 'it-slots';
const LIMIT = 3;
const HOSTS = 30;
// A one-second backoff unit: delayed hosts of the visibility count re-ask within 1-2 s, and the
// semaphore checks for ended holders every second; a short history makes the semaphore (and the
// hosts) continue as new during the burst.
const stack = useTestStack({ METALFLOW_PROVISIONING_LIMIT: String(LIMIT), METALFLOW_BACKOFF_UNIT: '1s', METALFLOW_MAX_HISTORY_EVENTS: '150' });

/** The most operations of `step` running at once, from the fake hardware's start times and durations. */
function maxConcurrent(names: string[], step: string): number {
  const ops = names.flatMap((name) => Object.values(stack.fakeState(NS, name)?.ops ?? {}).filter((op) => op.step === step));
  return maxOverlap(ops.map((op) => ({ start: op.startedAt, end: op.startedAt + op.durationMs })));
}

const semaphore = () => stack.client.temporal.workflow.getHandle(provisioningSemaphoreId(stack.taskQueue));

describe('exact provisioning limit', () => {
  it(`lets at most ${LIMIT} of ${HOSTS} hosts applied at once inspect at the same time`, async () => {
    const names = Array.from({ length: HOSTS }, (_, i) => `burst-${i}`);
    const runBefore = await semaphore().describe().then((d) => d.runId, () => undefined);
    await stack.client.apply([{ name: 'burst.yaml', text: fakeHostsManifest(NS, names.map((name) => ({ name, annotations: { 'fake.metalflow.io/durations': 'inspect=1s' } }))) }]);
    for (const name of names) await stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available', 180_000);
    expect(maxConcurrent(names, 'inspect')).toBeLessThanOrEqual(LIMIT);
    expect(maxConcurrent(names, 'inspect')).toBe(LIMIT); // the slots are used, not just held back

    const view = await semaphore().query(provisioningSemaphoreQuery);
    expect(view.maxHolders).toBe(LIMIT);
    expect(view.holders).toEqual([]); // every host released its slot leaving inspecting
    expect(view.waiters).toEqual([]);
    expect(runBefore).toBeUndefined(); // started on demand by the first acquire
    const d = await semaphore().describe();
    expect(d.runId).not.toBe(d.raw.workflowExecutionInfo?.firstRunId); // continued as new (history cap), the book carried over
  });

  it('takes back the slot of a holder that was terminated and gives it to a waiting host', async () => {
    const holders = Array.from({ length: LIMIT }, (_, i) => `holder-${i}`);
    await stack.client.apply([{ name: 'holders.yaml', text: fakeHostsManifest(NS, holders.map((name) => ({ name, annotations: { 'fake.metalflow.io/durations': 'inspect=10m' } }))) }]);
    for (const name of holders) await stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'inspecting', 60_000);
    await stack.client.apply([{ name: 'waiter.yaml', text: fakeHostsManifest(NS, [{ name: 'waiter' }]) }]);
    await stack.client.waitFor(NS, 'waiter', (h) => h.status.operationalStatus === 'delayed', 60_000);

    await stack.temporal(['workflow', 'terminate', '--workflow-id', hostWorkflowId(NS, 'holder-0'), '--reason', 'test: holder ends holding its slot']);
    await stack.client.waitFor(NS, 'waiter', (h) => h.status.provisioning.state === 'available', 60_000);
    const view = await semaphore().query(provisioningSemaphoreQuery);
    expect(view.reclaimed).toBeGreaterThanOrEqual(1);
    expect(view.holders.map((h) => h.holder).sort()).toEqual([hostWorkflowId(NS, 'holder-1'), hostWorkflowId(NS, 'holder-2')]);
    for (const name of holders.slice(1)) await stack.temporal(['workflow', 'terminate', '--workflow-id', hostWorkflowId(NS, name), '--reason', 'test cleanup']);
  });

  it('counts a deleted provisioned host while it deprovisions (entered without asking: recorded forced) and frees it after', async () => {
    await stack.client.apply([{ name: 'gone.yaml', text: fakeHostsManifest(NS, [{ name: 'gone', image: true }]) }]);
    await stack.client.waitFor(NS, 'gone', (h) => h.status.provisioning.state === 'provisioned', 120_000);
    // Cleaning (deprovisioning) now takes long enough to look at the semaphore meanwhile.
    await stack.client.apply([{ name: 'gone.yaml', text: fakeHostsManifest(NS, [{ name: 'gone', image: true, annotations: { 'fake.metalflow.io/durations': 'clean=5s' } }]) }]);
    await stack.client.signal(NS, 'gone', deleteSignal);
    await stack.client.waitFor(NS, 'gone', (h) => h.status.provisioning.state === 'deprovisioning', 60_000);
    const view = await semaphore().query(provisioningSemaphoreQuery);
    expect(view.holders.map((h) => h.holder)).toContain(hostWorkflowId(NS, 'gone'));
    await stack.client.waitDeleted(NS, 'gone', 120_000);
    const after = await semaphore().query(provisioningSemaphoreQuery);
    expect(after.holders.map((h) => h.holder)).not.toContain(hostWorkflowId(NS, 'gone'));
  });
});
