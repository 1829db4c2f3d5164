/**
 * Idle cost (issue 14, item 2): a host in a stable state still notices power changed behind its
 * back within the power sync interval, but its history no longer grows by a timer and an
 * activity every interval (the BMC is watched outside the workflow, which hears only of drift).
 * Fake driver, the suite's dev server, a short sync interval and the default (long) safety poll.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FakeMachineState } from '../../../src/bmc/fake/fake-hardware.js';
import { rebootSignal } from '../../../src/contract/index.js';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-power-watch';
const SYNC_MS = 500;
const stack = useTestStack({ METALFLOW_POWER_SYNC_INTERVAL: `${SYNC_MS}ms` });

/** Flips the fake BMC's power in its state file, as someone at the BMC's web page would. */
function flipPowerBehindTheWorkflow(name: string, on: boolean): void {
  const file = join(stack.dataDir, 'fake-hardware', `${NS}_${name}.json`);
  const state = JSON.parse(readFileSync(file, 'utf8')) as FakeMachineState;
  state.poweredOn = on;
  writeFileSync(file, JSON.stringify(state));
}

describe('power of an idle host', () => {
  it('notices power changed behind its back and enforces spec.online again', async () => {
    await stack.client.apply([{ name: 'h.yaml', text: fakeHostsManifest(NS, [{ name: 'drift', online: true }]) }]);
    await stack.client.waitFor(NS, 'drift', (h) => h.status.provisioning.state === 'available' && h.status.poweredOn && h.currentStep === 'waiting (power sync)', 60_000);
    const powerOns = (): number => (stack.fakeState(NS, 'drift')?.effects ?? []).filter((e) => e.what === 'power on').length;
    const before = powerOns();
    flipPowerBehindTheWorkflow('drift', false);
    // Enforced again: a new power-on operation. The safety poll is an hour away, so only the watch can have seen it.
    await expect.poll(powerOns, { timeout: 30_000, interval: 100 }).toBe(before + 1);
    expect(stack.fakeState(NS, 'drift')?.poweredOn).toBe(true);
    const view = await stack.client.waitFor(NS, 'drift', (h) => h.status.poweredOn && h.currentStep === 'waiting (power sync)', 30_000);
    expect(view.status.errorType).toBe('');
  });

  it('is watched again after its host worker was killed and a new one started', async () => {
    await stack.client.apply([{ name: 'r.yaml', text: fakeHostsManifest(NS, [{ name: 'restart', online: true }]) }]);
    await stack.client.waitFor(NS, 'restart', (h) => h.status.provisioning.state === 'available' && h.currentStep === 'waiting (power sync)', 60_000);
    await stack.workers[0]?.kill();
    await stack.startWorker();
    const powerOns = (): number => (stack.fakeState(NS, 'restart')?.effects ?? []).filter((e) => e.what === 'power on').length;
    const before = powerOns();
    flipPowerBehindTheWorkflow('restart', false);
    // The safety poll is an hour away: only a watch rebuilt at the new worker's start sees this.
    await expect.poll(powerOns, { timeout: 30_000, interval: 100 }).toBe(before + 1);
  });

  it('is watched again after a reboot that left its power as before', async () => {
    await stack.client.apply([{ name: 'b.yaml', text: fakeHostsManifest(NS, [{ name: 'rebooted', online: true }]) }]);
    await stack.client.waitFor(NS, 'rebooted', (h) => h.status.provisioning.state === 'available' && h.status.poweredOn && h.currentStep === 'waiting (power sync)', 60_000);
    const effects = (what: string): number => (stack.fakeState(NS, 'rebooted')?.effects ?? []).filter((e) => e.what === what).length;
    await stack.client.signal(NS, 'rebooted', rebootSignal, { mode: 'hard' });
    // The reboot ends the watch (act()); the host is on again as before it.
    await expect.poll(() => effects('reboot (hard)'), { timeout: 20_000, interval: 100 }).toBe(1);
    await stack.client.waitFor(NS, 'rebooted', (h) => h.status.poweredOn && h.currentStep === 'waiting (power sync)', 30_000);
    const before = effects('power on');
    flipPowerBehindTheWorkflow('rebooted', false);
    // The safety poll is an hour away: only a watch registered again after the reboot sees this.
    await expect.poll(() => effects('power on'), { timeout: 20 * SYNC_MS, interval: 100 }).toBe(before + 1);
  });

  it('adds no history per sync interval while idle', async () => {
    await stack.client.apply([{ name: 'i.yaml', text: fakeHostsManifest(NS, [{ name: 'idle', online: true }]) }]);
    await stack.client.waitFor(NS, 'idle', (h) => h.status.provisioning.state === 'available' && h.currentStep === 'waiting (power sync)', 60_000);
    const handle = stack.client.handle(NS, 'idle');
    const start = (await handle.describe()).historyLength;
    // Ten sync intervals: the per-interval poll added a timer and an activity (11 events) each.
    await new Promise((r) => setTimeout(r, 10 * SYNC_MS));
    const grown = (await handle.describe()).historyLength - start;
    expect(grown).toBeLessThanOrEqual(IDLE_EVENTS_ALLOWED);
  });
});

/** A watch registration may still be settling when the window opens (its activity and a timer). */
const IDLE_EVENTS_ALLOWED = 8;
