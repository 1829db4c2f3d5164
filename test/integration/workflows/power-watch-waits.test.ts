/**
 * The power watch outside the idle wait (issue 14, item 2 leftovers): a `powerDrift` report wakes
 * only the idle wait it is meant for (a delayed host waiting for a provisioning slot does not ask
 * the semaphore again per report), and a host that is detached or deleted no longer has its BMC
 * polled by the worker. Real host activities (fake driver) in an in-process worker whose power
 * watch the test holds (not ticking: only its entries are looked at); limit 1 (the slot test runs last:
 * its holder keeps the slot).
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PowerWatch } from '../../../src/bmc/power-watch.js';
import { detachSignal, deleteSignal, hostWorkflowId, inspectSignal, powerDriftSignal, statusQuery } from '../../../src/contract/index.js';
import { realHostActivities, startInProcessWorker, type InProcessWorker } from '../../helpers/in-process-worker.js';
import { TestStack, fakeHostsManifest } from '../../helpers/stack.js';
import { until } from '../../helpers/until.js';

const NS = 'it-watch-waits';
const id = (name: string) => hostWorkflowId(NS, name);
const stack = new TestStack();
const watch = new PowerWatch(async () => undefined);
let worker: InProcessWorker;
let connection: Connection;
let client: Client;

const events = async (name: string) => (await client.workflow.getHandle(id(name)).fetchHistory()).events ?? [];
const scheduled = async (name: string, activity: string) => (await events(name)).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity).length;
const idle = (name: string) => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available' && h.currentStep === 'waiting (power sync)', 60_000);

beforeAll(async () => {
  connection = await Connection.connect({ address: stack.address });
  client = new Client({ connection, namespace: stack.namespace });
  worker = await startInProcessWorker(stack, realHostActivities(stack, client, { provisioningLimit: 1, powerSyncIntervalMs: 500 }, watch));
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await stack.stop();
});

describe('the worker-side power watch of a host that leaves the idle wait', () => {
  it('is dropped when the host is detached', async () => {
    await stack.client.apply([{ name: 'x.yaml', text: fakeHostsManifest(NS, [{ name: 'detaches' }]) }]);
    await idle('detaches');
    expect(watch.has(id('detaches'))).toBe(true);
    await stack.client.signal(NS, 'detaches', detachSignal, {});
    await stack.client.waitFor(NS, 'detaches', (h) => h.status.operationalStatus === 'detached' && h.currentStep === 'detached', 30_000);
    await until('the watch dropped', () => !watch.has(id('detaches')), 10_000);
  });

  it('is dropped when the host is deleted', async () => {
    await stack.client.apply([{ name: 'y.yaml', text: fakeHostsManifest(NS, [{ name: 'deleted' }]) }]);
    await idle('deleted');
    expect(watch.has(id('deleted'))).toBe(true);
    await stack.client.signal(NS, 'deleted', deleteSignal);
    await stack.client.waitDeleted(NS, 'deleted', 30_000);
    expect(watch.has(id('deleted'))).toBe(false);
  });
});

describe('a powerDrift report outside the idle wait', () => {
  it('does not make a host waiting for a provisioning slot ask for one again', async () => {
    await stack.client.apply([{ name: 'd.yaml', text: fakeHostsManifest(NS, [{ name: 'delayed' }]) }]);
    await idle('delayed');
    await stack.client.apply([{ name: 'h.yaml', text: fakeHostsManifest(NS, [{ name: 'holds', annotations: { 'fake.metalflow.io/durations': 'inspect=10m' } }]) }]);
    await stack.client.waitFor(NS, 'holds', (h) => h.status.provisioning.state === 'inspecting', 60_000);
    // Re-inspection needs the slot `holds` has: the host waits in available, delayed (its watch still registered).
    await stack.client.signal(NS, 'delayed', inspectSignal);
    await stack.client.waitFor(NS, 'delayed', (h) => h.status.operationalStatus === 'delayed', 30_000);
    await until('the slot wait', async () => {
      const h = await events('delayed');
      const ask = h.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).lastIndexOf('acquireProvisioningSlot');
      return h.slice(ask).some((e) => e.timerStartedEventAttributes);
    });
    const asks = await scheduled('delayed', 'acquireProvisioningSlot');
    const canceled = async () => (await events('delayed')).filter((e) => e.timerCanceledEventAttributes).length;
    const cancels = await canceled();
    const handle = client.workflow.getHandle(id('delayed'));
    for (const r of [{ kind: 'drift', poweredOn: false }, { kind: 'rewatch' }, { kind: 'unreadable', error: 'scripted' }] as const) {
      await handle.signal(powerDriftSignal, r);
      await handle.query(statusQuery); // answered once the workflow task that took the signal completed (its commands are in the history)
    }
    expect(await scheduled('delayed', 'acquireProvisioningSlot')).toBe(asks);
    expect(await canceled()).toBe(cancels); // the slot wait's timer runs on
    expect((await stack.client.view(NS, 'delayed')).status.operationalStatus).toBe('delayed');
  });
});
