/**
 * One lifecycle through the paths issue 14 added (BmhView memo, provisioning semaphore, power watch),
 * recorded with RECORD_HISTORIES=1 as test/fixtures/histories/bmh_it-fleet_node-f.json so that
 * test/unit/workflows/replay.test.ts keeps replaying them: apply, inspect, provision, reboot (waited
 * for on the memo), power off/on, a power drift, deprovision; provisioning limit 1. Fake driver.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FakeMachineState } from '../../../src/bmc/fake/fake-hardware.js';
import { OperatorSignal, hostWorkflowId } from '../../../src/contract/index.js';
import { replayHistories } from '../../helpers/replay.js';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-fleet';
const NAME = 'node-f';
const stack = useTestStack({ METALFLOW_PROVISIONING_LIMIT: '1', METALFLOW_POWER_SYNC_INTERVAL: '500ms' });
const manifest = (image: boolean): { name: string; text: string } => ({ name: 'f.yaml', text: fakeHostsManifest(NS, [{ name: NAME, image }]) });
const powerOns = (): number => (stack.fakeState(NS, NAME)?.effects ?? []).filter((e) => e.what === 'power on').length;

describe('fleet-era lifecycle (recorded history)', () => {
  it('runs apply, inspect, provision, reboot, power off/on, a drift and deprovision, and replays', async () => {
    const c = stack.client;
    await c.apply([manifest(false)]);
    await c.waitFor(NS, NAME, (h) => h.status.provisioning.state === 'available' && h.status.poweredOn, 60_000);

    const inspected = (await c.summary(NS, NAME)).inspectedAt;
    await c.signal(NS, NAME, OperatorSignal.inspect);
    await c.waitForSummary(NS, NAME, (h) => h.inspectedAt !== inspected && h.state === 'available', 60_000);

    await c.apply([manifest(true)]);
    await c.waitForSummary(NS, NAME, (h) => h.state === 'provisioned' && h.provisionedImage === h.image, 60_000);

    const before = await c.summary(NS, NAME);
    await c.signal(NS, NAME, OperatorSignal.reboot, { mode: 'soft' });
    await c.waitForSummary(NS, NAME, (h) => h.rebootRequests > before.rebootRequests && !h.rebootPending && h.poweredOn, 60_000);

    await c.signal(NS, NAME, OperatorSignal.powerOff);
    await c.waitForSummary(NS, NAME, (h) => !h.poweredOn && !h.online, 60_000);
    await c.signal(NS, NAME, OperatorSignal.powerOn);
    await c.waitForSummary(NS, NAME, (h) => h.poweredOn && h.online, 60_000);

    // Drift: power cut at the BMC behind the workflow's back; the watch sees it and spec.online is enforced again.
    await c.waitFor(NS, NAME, (h) => h.currentStep === 'waiting (power sync)', 30_000);
    const ons = powerOns();
    const file = join(stack.dataDir, 'fake-hardware', `${NS}_${NAME}.json`);
    const state = JSON.parse(readFileSync(file, 'utf8')) as FakeMachineState;
    state.poweredOn = false;
    writeFileSync(file, JSON.stringify(state));
    await expect.poll(powerOns, { timeout: 30_000, interval: 100 }).toBe(ons + 1);
    // Idle again before the next signal: one arriving during the watch's re-registration is slept
    // through until the safety poll (idle-power.ts: sleep counts wake-ups from its own start).
    await c.waitFor(NS, NAME, (h) => h.status.poweredOn && h.currentStep === 'waiting (power sync)', 30_000);

    await c.signal(NS, NAME, OperatorSignal.deprovision);
    await c.waitFor(NS, NAME, (h) => h.status.provisioning.state === 'available' && h.status.operationHistory.deprovision.end !== null, 30_000);

    const id = hostWorkflowId(NS, NAME);
    if (process.env.RECORD_HISTORIES) {
      const dir = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}${id.replace(/\//g, '_')}.json`, await stack.temporal(['workflow', 'show', '--workflow-id', id, '-o', 'json']));
    }
    const { replayed, failures } = await replayHistories([{ workflowId: id, history: await c.handle(NS, NAME).fetchHistory() }]);
    expect(failures).toEqual([]);
    expect(replayed).toBe(1);
  }, 300_000);
});
