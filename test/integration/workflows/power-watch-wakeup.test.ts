/**
 * A signal that arrives while an idle host registers its power watch (the `watchPower` activity)
 * must not be slept through until the safety poll (1 h by default): the host acts on it at once.
 * Real host activities (fake driver) in an in-process worker whose watchPower the test scripts to
 * send `powerOff` and wait until it is in the history before it returns.
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostWorkflowId, powerOffSignal, type WatchPowerInput, type WatchPowerResult } from '../../../src/contract/index.js';
import { realHostActivities, startInProcessWorker, type InProcessWorker } from '../../helpers/in-process-worker.js';
import { TestStack, fakeHostsManifest } from '../../helpers/stack.js';
import { until } from '../../helpers/until.js';

const NS = 'it-watch-wakeup';
const stack = new TestStack();
let worker: InProcessWorker;
let connection: Connection;
let client: Client;
let signalDuringWatch: string | undefined;

beforeAll(async () => {
  connection = await Connection.connect({ address: stack.address });
  client = new Client({ connection, namespace: stack.namespace });
  const real = realHostActivities(stack, client, { powerSyncIntervalMs: 500 });
  worker = await startInProcessWorker(stack, {
    ...real,
    async watchPower(input: WatchPowerInput): Promise<WatchPowerResult> {
      const name = signalDuringWatch;
      if (name) {
        signalDuringWatch = undefined;
        // The operator powers the host off while this registration is still completing.
        await stack.client.signal(NS, name, powerOffSignal);
        const handle = client.workflow.getHandle(hostWorkflowId(NS, name));
        await until('the powerOff signal in the history', async () => ((await handle.fetchHistory()).events ?? []).some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === powerOffSignal.name));
      }
      return real.watchPower(input);
    },
  });
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await stack.stop();
});

describe('an idle host registering its power watch', () => {
  it('acts on a signal that arrived during the registration instead of sleeping until the safety poll', async () => {
    signalDuringWatch = 'off-late';
    await stack.client.apply([{ name: 'h.yaml', text: fakeHostsManifest(NS, [{ name: 'off-late', online: true }]) }]);
    // Off by the signal, not the transient off at the end of inspection (before spec.online is enforced).
    await stack.client.waitFor(NS, 'off-late', (h) => h.status.provisioning.state === 'available' && !h.spec.online && !h.status.poweredOn, 30_000);
    expect(signalDuringWatch).toBeUndefined();
  });
});
