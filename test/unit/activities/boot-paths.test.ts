/**
 * The host activities that boot a host (issue 12): the agent by PXE, virtual media or UEFI HTTP,
 * the deployed OS from disk, a live ISO — in the host's boot mode, with secure boot off for the
 * agent and on for the deployed OS of a UEFISecureBoot host. Against the loopback Redfish stub,
 * which records every request the BMC receives.
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

const dir = mkdtempSync(join(tmpdir(), 'metalflow-boot-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// No credentials in these targets: the keyring is never asked.
const activities = createHostActivities({ keyring: {} as Keyring, drivers: { fakeStateDir: dir, fakeStepMs: 0, powerPollMs: 5 }, settings: DEFAULT_HOST_SETTINGS });
const env = new MockActivityEnvironment();
/** Runs an activity with its own input type (the mock environment's generic loses it). */
const run = <I>(activity: (input: I) => Promise<void>, input: I): Promise<void> => env.run(activity, input);
let bmc: RedfishStub | undefined;
afterEach(async () => bmc?.close());

const CD = `${STUB_SYSTEM_PATH}/VirtualMedia/Cd`;
const ISO = 'https://boot.test/agent-3f9c.iso';
const target = (scheme: string): HostTarget => ({
  workflowId: 'bmh/ns/h',
  uid: 'u-1',
  namespace: 'ns',
  name: 'h',
  bmcAddress: `${scheme}+http://${(bmc as RedfishStub).url.slice('http://'.length)}${STUB_SYSTEM_PATH}`,
  annotations: {},
});
const stub = async (opts: Parameters<typeof startRedfishStub>[0]): Promise<RedfishStub> => (bmc = await startRedfishStub(opts));
/** The requests as `METHOD path body`, short enough to compare as a sequence. */
const seen = (): string[] => (bmc as RedfishStub).requests.map((r: StubRequest) => `${r.method} ${r.url.replace(STUB_SYSTEM_PATH, '')}${r.body ? ` ${JSON.stringify(r.body)}` : ''}`);
const boot = (target: string, enabled: 'Once' | 'Continuous', mode: string, extra = ''): string =>
  `PATCH  {"Boot":{"BootSourceOverrideTarget":"${target}","BootSourceOverrideEnabled":"${enabled}","BootSourceOverrideMode":"${mode}"${extra}}}`;
const reset = (type: string): string => `POST /Actions/ComputerSystem.Reset {"ResetType":"${type}"}`;

describe('bootAgent', () => {
  it('virtual media: ejects what is inserted, inserts the agent ISO, one-time Cd in the boot mode, secure boot off, power-cycles', async () => {
    await stub({ power: 'On', media: 'http://old.test/other.iso', secureBootEnabled: true });
    await run(activities.bootAgent, { target: target('redfish-virtualmedia'), opId: 'op', media: { url: ISO }, bootMode: 'UEFISecureBoot' });
    expect(seen()).toEqual([
      `POST ${CD.replace(STUB_SYSTEM_PATH, '')}/Actions/VirtualMedia.EjectMedia {}`,
      `POST ${CD.replace(STUB_SYSTEM_PATH, '')}/Actions/VirtualMedia.InsertMedia {"Image":"${ISO}","Inserted":true,"WriteProtected":true}`,
      boot('Cd', 'Once', 'UEFI'),
      'PATCH /SecureBoot {"SecureBootEnable":false}',
      reset('ForceOff'),
      reset('On'),
    ]);
    expect(bmc?.media()).toEqual({ Image: ISO, Inserted: true });
  });

  it('UEFI HTTP (redfish-uefihttp): one-time UefiHttp with HttpBootUri = the ISO, no virtual media', async () => {
    await stub({ power: 'Off' });
    await run(activities.bootAgent, { target: target('redfish-uefihttp'), opId: 'op', media: { url: ISO } });
    expect(seen()).toEqual([boot('UefiHttp', 'Once', 'UEFI', `,"HttpBootUri":"${ISO}"`), reset('On')]);
  });

  it('network boot in legacy mode: one-time Pxe with BootSourceOverrideMode Legacy, secure boot untouched', async () => {
    await stub({ power: 'Off' });
    await run(activities.bootAgent, { target: target('redfish'), opId: 'op', bootMode: 'legacy' });
    expect(seen()).toEqual([boot('Pxe', 'Once', 'Legacy'), reset('On')]);
  });

  it('defaults to UEFI when the host has no bootMode', async () => {
    await stub({ power: 'Off' });
    await run(activities.bootAgent, { target: target('redfish'), opId: 'op' });
    expect(seen()).toEqual([boot('Pxe', 'Once', 'UEFI'), reset('On')]);
  });
});

describe('bootFromDisk', () => {
  it('virtual media, UEFISecureBoot: off, eject, disk from now on, secure boot on, then power on', async () => {
    await stub({ power: 'On', media: ISO });
    await run(activities.bootFromDisk, { target: target('redfish-virtualmedia'), opId: 'op', on: true, bootMode: 'UEFISecureBoot' });
    expect(seen()).toEqual([
      reset('ForceOff'),
      `POST ${CD.replace(STUB_SYSTEM_PATH, '')}/Actions/VirtualMedia.EjectMedia {}`,
      boot('Hdd', 'Continuous', 'UEFI'),
      'PATCH /SecureBoot {"SecureBootEnable":true}',
      reset('On'),
    ]);
    expect(bmc?.secureBoot()).toBe(true);
  });

  it('a network-booted host in legacy mode: no virtual media calls, Hdd Continuous Legacy, stays off when not online', async () => {
    await stub({ power: 'On' });
    await run(activities.bootFromDisk, { target: target('redfish'), opId: 'op', on: false, bootMode: 'legacy' });
    expect(seen()).toEqual([reset('ForceOff'), boot('Hdd', 'Continuous', 'Legacy')]);
  });
});

describe('bootLiveIso', () => {
  it('inserts the image itself and boots it persistently, powered per online', async () => {
    await stub({ power: 'Off' });
    const live = 'http://images.test/live.iso';
    await run(activities.bootLiveIso, { target: target('redfish-virtualmedia'), opId: 'op', media: { url: live }, on: true });
    expect(seen()).toEqual([`POST ${CD.replace(STUB_SYSTEM_PATH, '')}/Actions/VirtualMedia.InsertMedia {"Image":"${live}","Inserted":true,"WriteProtected":true}`, boot('Cd', 'Continuous', 'UEFI'), reset('On')]);
  });

  it('refuses a BMC address without virtual media (non-retryable, naming the driver)', async () => {
    await stub({ power: 'Off' });
    const err = await run(activities.bootLiveIso, { target: target('redfish'), opId: 'op', media: { url: 'http://images.test/live.iso' }, on: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'UnsupportedDriverError', nonRetryable: true });
    expect((err as Error).message).toContain('redfish+http');
    expect(seen()).toEqual([]);
  });
});

describe('disablePowerOff (HostTarget.disablePowerOff): restarts where the host would be powered off', () => {
  const noOff = (): HostTarget => ({ ...target('redfish'), disablePowerOff: true });
  const resets = (): string[] => seen().filter((r) => r.startsWith('POST /Actions/ComputerSystem.Reset'));

  it('setPowerState off restarts the host instead', async () => {
    await stub({ power: 'On' });
    await run(activities.setPowerState, { target: noOff(), opId: 'op', on: false, force: true });
    expect(resets()).toEqual([reset('ForceRestart')]);
  });

  it('bootAgent on a running host restarts it into the agent (no off in between)', async () => {
    await stub({ power: 'On' });
    await run(activities.bootAgent, { target: noOff(), opId: 'op' });
    expect(resets()).toEqual([reset('ForceRestart')]);
  });

  it('bootFromDisk sets the disk, then restarts a running host', async () => {
    await stub({ power: 'On' });
    await run(activities.bootFromDisk, { target: noOff(), opId: 'op', on: true });
    expect(resets()).toEqual([reset('ForceRestart')]);
  });
});
