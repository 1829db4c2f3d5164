/**
 * Fleet-level behaviour: the provisioning limit (BMO PROVISIONING_LIMIT) puts hosts in `delayed`;
 * continue-as-new keeps long-running hosts' histories small and carries their state exactly.
 */
import { describe, expect, it } from 'vitest';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';
import { powerOffSignal, retrySignal } from '../../../src/contract/index.js';

const NS = 'it-limits';
const stack = useTestStack({ METALFLOW_PROVISIONING_LIMIT: '1', METALFLOW_MAX_HISTORY_EVENTS: '120', METALFLOW_POWER_SYNC_INTERVAL: '250ms', METALFLOW_POWER_SAFETY_POLL_INTERVAL: '250ms' });
const slowInspect = { 'fake.metalflow.io/durations': 'inspect=4s' };


describe('provisioning limit and continue-as-new', () => {
  it('delays a host while the provisioning limit is used up, then lets it through', async () => {
    await stack.client.apply([{ name: 'a.yaml', text: fakeHostsManifest(NS, [{ name: 'first', annotations: slowInspect }]) }]);
    await stack.client.waitFor(NS, 'first', (h) => h.status.provisioning.state === 'inspecting', 30_000);
    await stack.client.apply([{ name: 'b.yaml', text: fakeHostsManifest(NS, [{ name: 'second', annotations: slowInspect }]) }]);
    const delayed = await stack.client.waitFor(NS, 'second', (h) => h.status.operationalStatus === 'delayed', 30_000);
    expect(delayed.status.provisioning.state).toBe('registering'); // held before entering inspecting
    const sa = await stack.temporal(['workflow', 'list', '--query', `BmhOperationalStatus='delayed' AND BmhNamespace='${NS}'`, '-o', 'json']);
    expect((JSON.parse(sa) as unknown[]).length).toBe(1);

    await stack.client.waitFor(NS, 'first', (h) => h.status.provisioning.state === 'available', 30_000);
    await stack.client.signal(NS, 'second', retrySignal); // ask again now instead of in 1-2 minutes
    const ok = await stack.client.waitFor(NS, 'second', (h) => h.status.provisioning.state === 'available', 30_000);
    expect(ok.status.operationalStatus).toBe('OK');
  });

  it('continues as new before history grows large, carrying the host state exactly', async () => {
    const handle = stack.client.handle(NS, 'first');
    const before = await stack.client.view(NS, 'first');
    const runBefore = (await handle.describe()).runId;
    await expect.poll(async () => (await handle.describe()).runId, { timeout: 60_000, interval: 500 }).not.toBe(runBefore);
    const d = await handle.describe();
    expect(d.historyLength).toBeLessThan(200);
    const after = await stack.client.view(NS, 'first');
    expect(after.status.provisioning.ID).toBe(before.status.provisioning.ID);
    expect(after.status.hardware).toEqual(before.status.hardware);
    expect(after.status.operationHistory).toEqual(before.status.operationHistory);
    expect(after.status.goodCredentials).toEqual(before.status.goodCredentials);
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.generation).toBe(before.generation);
    // Still fully operable on the new run.
    await stack.client.signal(NS, 'first', powerOffSignal);
    await stack.client.waitFor(NS, 'first', (h) => !h.status.poweredOn, 20_000);
    expect(stack.fakeState(NS, 'first')?.poweredOn).toBe(false);
  });
});
