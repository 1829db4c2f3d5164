/**
 * spec.disablePowerOff (HostTarget.disablePowerOff) in the host activities: no ComputerSystem.Reset
 * ForceOff/GracefulShutdown ever reaches the BMC; where the host would be powered off it is
 * restarted instead. Against the loopback Redfish stub, which records every request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createHostActivities } from '../../../src/activities/host-activities.js';
import { DEFAULT_HOST_SETTINGS, type HostTarget } from '../../../src/contract/index.js';
import type { Keyring } from '../../../src/secrets/keyring.js';
import { STUB_SYSTEM_PATH, startRedfishStub, type RedfishStub, type StubRequest } from '../../helpers/redfish-stub.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-no-power-off-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const activities = createHostActivities({ keyring: {} as Keyring, drivers: { fakeStateDir: dir, fakeStepMs: 0, powerPollMs: 5 }, settings: DEFAULT_HOST_SETTINGS });
const env = new MockActivityEnvironment();
const run = <I>(activity: (input: I) => Promise<void>, input: I): Promise<void> => env.run(activity, input);
let bmc: RedfishStub | undefined;
afterEach(async () => bmc?.close());

const target = (): HostTarget => ({
  workflowId: 'bmh/ns/h',
  uid: 'u-1',
  namespace: 'ns',
  name: 'h',
  bmcAddress: `redfish+http://${(bmc as RedfishStub).url.slice('http://'.length)}${STUB_SYSTEM_PATH}`,
  annotations: {},
  disablePowerOff: true,
});
const resets = (): string[] => (bmc as RedfishStub).requests.filter((r: StubRequest) => r.url.endsWith('ComputerSystem.Reset')).map((r) => String((r.body as { ResetType?: string }).ResetType));

describe('disablePowerOff', () => {
  it('setPowerState off restarts the host instead', async () => {
    bmc = await startRedfishStub({ power: 'On' });
    await run(activities.setPowerState, { target: target(), opId: 'op', on: false, force: true });
    expect(resets()).toEqual(['ForceRestart']);
  });

  it('bootAgent on a running host restarts it into the agent (no off in between)', async () => {
    bmc = await startRedfishStub({ power: 'On' });
    await run(activities.bootAgent, { target: target(), opId: 'op' });
    expect(resets()).toEqual(['ForceRestart']);
  });

  it('bootFromDisk sets the disk, then restarts a running host', async () => {
    bmc = await startRedfishStub({ power: 'On' });
    await run(activities.bootFromDisk, { target: target(), opId: 'op', on: true });
    expect(resets()).toEqual(['ForceRestart']);
  });
});
