/**
 * Durability: the worker is SIGKILLed in the middle of provisioning; a new worker picks the host up
 * and it ends provisioned, with no hardware step applied twice (the fake driver records every
 * operation id it ever applied).
 */
import { describe, expect, it } from 'vitest';
import { SearchAttr } from '../../../src/contract/index.js';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-crash';
const stack = useTestStack();


describe('worker crash mid-provisioning', () => {
  it('resumes after SIGKILL and applies each step exactly once', async () => {
    await stack.client.apply([{ name: 'm.yaml', text: fakeHostsManifest(NS, [{ name: 'crashy' }]) }]);
    await stack.client.waitFor(NS, 'crashy', (h) => h.status.provisioning.state === 'available', 60_000);

    const manifest = fakeHostsManifest(NS, [{ name: 'crashy', image: true, annotations: { 'fake.metalflow.io/durations': 'deploy=6s' } }]);
    await stack.client.apply([{ name: 'm.yaml', text: manifest }]);
    // Wait until the deploy is really under way on the "hardware".
    await expect
      .poll(() => Object.entries(stack.fakeState(NS, 'crashy')?.ops ?? {}).some(([id, op]) => id.endsWith('/deploy') && op.status === 'running'), { timeout: 30_000, interval: 100 })
      .toBe(true);

    const first = stack.workers[0];
    if (!first) throw new Error('no worker');
    await first.kill();
    expect(first.proc.signalCode).toBe('SIGKILL');
    // No worker now (queries need one): the search attributes still tell the state.
    const during = await stack.client.handle(NS, 'crashy').describe();
    expect(during.typedSearchAttributes.get(SearchAttr.state)).toBe('provisioning');

    await stack.startWorker();
    const v = await stack.client.waitFor(NS, 'crashy', (h) => h.status.provisioning.state === 'provisioned', 90_000);
    expect(v.status.errorType).toBe('');

    const machine = stack.fakeState(NS, 'crashy');
    const ids = machine?.effects.map((e) => e.opId) ?? [];
    expect(new Set(ids).size).toBe(ids.length); // no operation applied twice
    expect(machine?.effects.filter((e) => e.step === 'deploy')).toHaveLength(1); // the image was written once
    expect(Object.values(machine?.ops ?? {}).every((op) => op.status === 'done')).toBe(true);
    expect(machine?.disks[0]?.image).toBe('http://images.test.invalid/crashy.qcow2');

    // The new worker's history shows the retried attempt of the same activity, not a new step.
    const history = await stack.client.handle(NS, 'crashy').fetchHistory();
    const provisionStarts = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'provisionHost');
    expect(provisionStarts).toHaveLength(1);
  });
});
