/** Picks the drivers for a host from its BMC address scheme. */
import type { AgentDriver } from '../agent/driver.js';
import { parseBmcAddress } from '../api/bmc-address.js';
import type { HostTarget } from '../activities/types.js';
import { UnsupportedDriverError } from '../errors.js';
import type { BmcDriver } from './driver.js';
import { FakeHardware } from './fake/fake-hardware.js';
import { parseFakeOptions } from './fake/fake-options.js';
import { IpmiDriver } from './ipmi/ipmi-driver.js';
import { RedfishDriver } from './redfish/redfish-driver.js';
import { driverTimingOf } from './timing.js';

export interface DriverSettings {
  /** Where the fake driver (and the simulated agent) keep their machines' state. */
  fakeStateDir: string;
  /** Default duration of a fake hardware step. */
  fakeStepMs: number;
  /**
   * Pair real BMCs (Redfish/IPMI) with the simulated agent, like Metal3's fake-ipa next to
   * sushy-tools: power and boot are real BMC calls, inspection/cleaning/deploy are simulated.
   */
  simulatedAgent?: boolean;
  ipmiMinIntervalMs?: number;
  ipmiCipherSuite?: number;
  powerStateTimeoutMs?: number;
  softPowerOffTimeoutMs?: number;
  /** Between two power-state reads (tests shorten it). */
  powerPollMs?: number;
}

export interface HostDrivers {
  bmc: BmcDriver;
  agent: AgentDriver;
}

/** Until the Ironic agent protocol lands, real hardware can only be driven out of band. */
class NoAgent implements AgentDriver {
  private fail(what: string): never {
    throw new UnsupportedDriverError(`${what} needs the Ironic agent, which this build does not speak yet (use inspectionMode: fast on Redfish for inspection)`);
  }
  inspect(): Promise<never> {
    this.fail('agent inspection');
  }
  clean(): Promise<never> {
    this.fail('cleaning');
  }
  deploy(): Promise<never> {
    this.fail('deployment');
  }
  async forget(): Promise<void> {}
}

export function driversFor(target: HostTarget, settings: DriverSettings, credentials?: { username: string; password: string }): HostDrivers {
  const address = parseBmcAddress(target.bmcAddress);
  const hostKey = `${target.namespace}/${target.name}`;
  const simulated = (): AgentDriver => (settings.simulatedAgent ? new FakeHardware(settings.fakeStateDir, hostKey, parseFakeOptions(target.annotations, settings.fakeStepMs)) : new NoAgent());
  const creds = credentials ?? { username: '', password: '' };
  // Every wait explicit, from the same resolution the workflow's activity timeouts are sized by.
  const t = driverTimingOf(settings);
  const timing = { powerStateTimeoutMs: t.powerStateTimeoutMs, softPowerOffTimeoutMs: t.softPowerOffTimeoutMs, pollMs: t.pollMs };
  switch (address.driver) {
    case 'fake': {
      const fake = new FakeHardware(settings.fakeStateDir, hostKey, parseFakeOptions(target.annotations, settings.fakeStepMs));
      return { bmc: fake, agent: fake };
    }
    case 'redfish':
      return { bmc: new RedfishDriver(address, creds, target.disableCertificateVerification !== true, { ...timing, requestTimeoutMs: t.redfishRequestTimeoutMs }), agent: simulated() };
    case 'ipmi':
      return {
        bmc: new IpmiDriver(address, creds, {
          ...timing,
          minIntervalMs: t.ipmiMinIntervalMs,
          timeoutMs: t.ipmitoolTimeoutMs,
          ...(settings.ipmiCipherSuite !== undefined ? { defaultCipherSuite: settings.ipmiCipherSuite } : {}),
        }),
        agent: simulated(),
      };
    default:
      throw new UnsupportedDriverError(`the ${address.driver} driver (${address.scheme}://) is not available in this build yet`, { scheme: address.scheme });
  }
}
