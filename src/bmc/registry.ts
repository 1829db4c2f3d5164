/** Picks the drivers for a host from its BMC address scheme. */
import type { AgentDriver } from '../agent/driver.js';
import { parseBmcAddress } from '../api/bmc-address.js';
import type { HostTarget } from '../activities/types.js';
import { UnsupportedDriverError } from '../errors.js';
import type { BmcDriver } from './driver.js';
import { FakeHardware } from './fake/fake-hardware.js';
import { parseFakeOptions } from './fake/fake-options.js';

export interface DriverSettings {
  /** Where the fake driver keeps its machines' state. */
  fakeStateDir: string;
  /** Default duration of a fake hardware step. */
  fakeStepMs: number;
}

export interface HostDrivers {
  bmc: BmcDriver;
  agent: AgentDriver;
}

export function driversFor(target: HostTarget, settings: DriverSettings): HostDrivers {
  const address = parseBmcAddress(target.bmcAddress);
  switch (address.driver) {
    case 'fake': {
      const fake = new FakeHardware(settings.fakeStateDir, `${target.namespace}/${target.name}`, parseFakeOptions(target.annotations, settings.fakeStepMs));
      return { bmc: fake, agent: fake };
    }
    default:
      throw new UnsupportedDriverError(`the ${address.driver} driver (${address.scheme}://) is not available in this build yet`, {
        scheme: address.scheme,
      });
  }
}
