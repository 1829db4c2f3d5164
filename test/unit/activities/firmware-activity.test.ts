/** The firmware step on drivers without firmware support: a named refusal when something is asked, an empty reading otherwise. */
import { describe, expect, it } from 'vitest';
import { configureFirmware } from '../../../src/activities/firmware-activity.js';
import type { BmcDriver, OperationContext } from '../../../src/bmc/driver.js';
import type { HostTarget } from '../../../src/contract/index.js';
import { UnsupportedDriverError } from '../../../src/errors.js';

const ctx: OperationContext = { opId: 'op', heartbeat: () => undefined, signal: new AbortController().signal };
const target: HostTarget = { workflowId: 'w', uid: 'u', namespace: 'n', name: 'h', bmcAddress: 'ipmi://10.0.0.1', annotations: {} };
const ipmiLike = {} as BmcDriver;

describe('configureFirmware', () => {
  it('refuses settings and updates on a driver without them, naming the driver', async () => {
    await expect(configureFirmware(ipmiLike, { target, opId: 'op', settings: { A: 'b' } }, ctx)).rejects.toThrow('BMC driver ipmi does not support firmware settings');
    await expect(configureFirmware(ipmiLike, { target, opId: 'op', updates: [{ component: 'bios', url: 'https://fw/b' }] }, ctx)).rejects.toThrow('BMC driver ipmi does not support firmware updates');
    await expect(configureFirmware(ipmiLike, { target, opId: 'op', settings: { A: 'b' } }, ctx)).rejects.toBeInstanceOf(UnsupportedDriverError);
  });

  it('reads nothing and fails nothing when nothing is asked', async () => {
    expect(await configureFirmware(ipmiLike, { target, opId: 'op' }, ctx)).toEqual({});
  });

  it('records the version before an update as the initial one', async () => {
    let version = '1.0.0';
    const bmc = {
      readFirmwareComponents: async () => [{ component: 'bios', version }],
      updateFirmware: async () => {
        version = '1.1.0';
        return [{ component: 'bios', version }];
      },
    } as unknown as BmcDriver;
    expect(await configureFirmware(bmc, { target, opId: 'op', updates: [{ component: 'bios', url: 'https://fw/b' }] }, ctx)).toEqual({ components: [{ component: 'bios', currentVersion: '1.1.0', initialVersion: '1.0.0' }] });
  });
});
