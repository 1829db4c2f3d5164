/**
 * The provisioning semaphore's failure paths (issue 14 semaphore review): a failed ask delays the
 * host by BMO's 1-2 units (not the queued 8-16), a lost release is taken back once the holder sits
 * out of the busy states, a failing holder check does not end the semaphore, and a slot-free
 * signal that arrives while the refused ask completes is not slept through. Real host activities
 * (fake driver) in an in-process worker whose slot activities the test scripts; limit 1, unit 1 s.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostWorkflowId, type CarriedState, type HostSettings, type HostWorkflowInput, provisioningSemaphoreId, provisioningSemaphoreQuery, slotFreeSignal, type SlotGrant, type SlotHolder, type SlotHolderCheck, type SlotRelease, type SlotRequest } from '../../../src/contract/index.js';
import { realHostActivities, startInProcessWorker, type InProcessWorker } from '../../helpers/in-process-worker.js';
import { TestStack, fakeHostsManifest } from '../../helpers/stack.js';
import { until } from '../../helpers/until.js';

const NS = 'it-slot-failures';
const UNIT_MS = 1_000;
const id = (name: string) => hostWorkflowId(NS, name);
const scripted = (what: string) => ApplicationFailure.nonRetryable(`scripted: ${what}`, 'ScriptedFailure');

const stack = new TestStack();
const script = {
  failAcquire: new Set<string>(),
  failRelease: new Set<string>(),
  failCheck: false,
  checkFailures: 0,
  afterRefused: undefined as ((req: SlotRequest) => Promise<void>) | undefined,
};
let worker: InProcessWorker;
let connection: Connection;
let client: Client;

const semaphore = () => client.workflow.getHandle(provisioningSemaphoreId(stack.taskQueue));
const events = async (name: string) => (await client.workflow.getHandle(id(name)).fetchHistory()).events ?? [];
const ms = (d: temporal.api.history.v1.ITimerStartedEventAttributes | null | undefined) => Number(d?.startToFireTimeout?.seconds ?? 0) * 1000 + Math.round((d?.startToFireTimeout?.nanos ?? 0) / 1e6);
/** Real host activities for `on` (limit 1, unit 1 s, `settings` over that). */
const realActivities = (on: TestStack, settings: Partial<HostSettings> = {}) => realHostActivities(on, client, { provisioningLimit: 1, backoffUnitMs: UNIT_MS, ...settings });

beforeAll(async () => {
  connection = await Connection.connect({ address: stack.address });
  client = new Client({ connection, namespace: stack.namespace });
  const real = realActivities(stack);
  worker = await startInProcessWorker(stack, {
    ...real,
    async acquireProvisioningSlot(req: SlotRequest): Promise<SlotGrant> {
      if (script.failAcquire.has(req.holder)) throw scripted('semaphore unreachable');
      const grant = await real.acquireProvisioningSlot(req);
      if (!grant.granted) await script.afterRefused?.(req);
      return grant;
    },
    async releaseProvisioningSlot(req: SlotRelease): Promise<void> {
      if (script.failRelease.has(req.holder)) throw scripted('release lost');
      return real.releaseProvisioningSlot(req);
    },
    async endedSlotHolders(holders: SlotHolder[], stale?: SlotHolderCheck): Promise<string[]> {
      if (script.failCheck) {
        script.checkFailures += 1;
        throw scripted('describe failed');
      }
      return real.endedSlotHolders(holders, stale);
    },
  });
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await stack.stop();
});

describe('provisioning slot failure paths', () => {
  it('delays a host whose ask failed by 1-2 units (no wake-up signal will come), then lets it in', async () => {
    script.failAcquire.add(id('ask-fails'));
    await stack.client.apply([{ name: 'a.yaml', text: fakeHostsManifest(NS, [{ name: 'ask-fails' }]) }]);
    await stack.client.waitFor(NS, 'ask-fails', (h) => h.status.operationalStatus === 'delayed', 60_000);
    await until('the delay timer', async () => (await events('ask-fails')).some((e) => e.timerStartedEventAttributes));
    const h = await events('ask-fails');
    const failed = h.findIndex((e) => e.activityTaskFailedEventAttributes);
    const timer = h.slice(failed).find((e) => e.timerStartedEventAttributes)?.timerStartedEventAttributes;
    expect(ms(timer)).toBeGreaterThanOrEqual(UNIT_MS);
    expect(ms(timer)).toBeLessThanOrEqual(2 * UNIT_MS);
    script.failAcquire.clear();
    await stack.client.waitFor(NS, 'ask-fails', (v) => v.status.provisioning.state === 'available', 60_000);
    expect((await semaphore().query(provisioningSemaphoreQuery)).holders).toEqual([]);
  });

  it('takes back a slot whose release was lost once its holder sits out of the busy states; a failing holder check does not end the semaphore', async () => {
    script.failRelease.add(id('lost-release'));
    await stack.client.apply([{ name: 'l.yaml', text: fakeHostsManifest(NS, [{ name: 'lost-release' }]) }]);
    await stack.client.waitFor(NS, 'lost-release', (v) => v.status.provisioning.state === 'available', 60_000);
    expect((await semaphore().query(provisioningSemaphoreQuery)).holders.map((x) => x.holder)).toEqual([id('lost-release')]);

    script.failCheck = true;
    await stack.client.apply([{ name: 'w.yaml', text: fakeHostsManifest(NS, [{ name: 'waits' }]) }]);
    await stack.client.waitFor(NS, 'waits', (v) => v.status.operationalStatus === 'delayed', 60_000);
    await until('two failed holder checks', () => script.checkFailures >= 2);
    expect((await semaphore().describe()).status.name).toBe('RUNNING');
    expect((await semaphore().query(provisioningSemaphoreQuery)).waiters).toEqual([id('waits')]);

    script.failCheck = false;
    await stack.client.waitFor(NS, 'waits', (v) => v.status.provisioning.state === 'available', 60_000);
    const view = await semaphore().query(provisioningSemaphoreQuery);
    expect(view.reclaimed).toBe(1);
    expect(view.holders).toEqual([]);
    script.failRelease.clear();
  });

  it('asks again at once when the slot-free signal arrived while its refused ask completed', async () => {
    await stack.client.apply([{ name: 'h.yaml', text: fakeHostsManifest(NS, [{ name: 'holds', annotations: { 'fake.metalflow.io/durations': 'inspect=10m' } }]) }]);
    await stack.client.waitFor(NS, 'holds', (v) => v.status.provisioning.state === 'inspecting', 60_000);
    script.afterRefused = async (req) => {
      if (req.holder !== id('late')) return;
      script.afterRefused = undefined;
      // The slot frees while this ask is still completing: the semaphore signals the asker now.
      await semaphore().executeUpdate('releaseProvisioningSlot', { args: [{ holder: id('holds') }] });
      await until('the slot-free signal', async () => (await events('late')).some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === slotFreeSignal.name));
    };
    await stack.client.apply([{ name: 'late.yaml', text: fakeHostsManifest(NS, [{ name: 'late' }]) }]);
    await stack.client.waitFor(NS, 'late', (v) => v.status.provisioning.state === 'available', 60_000);
    const h = await events('late');
    const timers = h.map((e) => e.timerStartedEventAttributes).filter((t) => t !== undefined && t !== null);
    expect(timers.filter((t) => ms(t) >= 8 * UNIT_MS && ms(t) <= 16 * UNIT_MS)).toEqual([]); // no queued sleep through the wake-up
    await client.workflow.getHandle(id('holds')).terminate('test cleanup');
  });
});

describe('a host that continues as new while holding its slot', () => {
  // A short history: the host continues as new between its failed inspections (error backoff), in inspecting, holding the slot.
  const small = new TestStack();
  let w: InProcessWorker;
  beforeAll(async () => {
    w = await startInProcessWorker(small, realActivities(small, { maxHistoryEvents: 40 }));
  }, 120_000);
  afterAll(async () => {
    await w?.stop();
    await small.stop();
  });

  it('carries slotAsked over and releases the slot on leaving the busy state in the new run', async () => {
    await small.client.apply([{ name: 'c.yaml', text: fakeHostsManifest(NS, [{ name: 'carries', annotations: { 'fake.metalflow.io/fail': 'inspect=2' } }]) }]);
    await small.client.waitFor(NS, 'carries', (v) => v.status.provisioning.state === 'available', 90_000);
    const runs: CarriedState[] = [];
    for await (const run of client.workflow.list({ query: `WorkflowId='${id('carries')}'` })) {
      const history = await client.workflow.getHandle(id('carries'), run.runId).fetchHistory();
      for (const e of history.events ?? []) {
        const payload = e.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads?.[0]?.data;
        if (payload) runs.push((JSON.parse(Buffer.from(payload).toString()) as HostWorkflowInput).carried as CarriedState);
      }
    }
    const inInspecting = runs.filter((c) => c.status.provisioning.state === 'inspecting');
    expect(inInspecting.length).toBeGreaterThan(0); // continued as new while holding
    expect(inInspecting.every((c) => c.slotAsked === true)).toBe(true);
    const view = await client.workflow.getHandle(provisioningSemaphoreId(small.taskQueue)).query(provisioningSemaphoreQuery);
    expect(view.holders).toEqual([]); // released by the new run on leaving inspecting
  });
});
