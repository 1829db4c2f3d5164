/** Driver selection: picks the BMC and agent drivers for a host from its BMC address scheme. */
import type { AgentDriver } from '../agent/driver.js';
import { parseBmcAddress } from '../api/bmc-address.js';
import type { BmcWaits, HostTarget } from '../contract/index.js';
import { UnsupportedDriverError } from '../errors.js';
import type { BmcDriver } from '../bmc/driver.js';
import { FakeHardware } from '../bmc/fake/fake-hardware.js';
import { parseFakeOptions } from '../api/fake-annotations.js';
import { IpmiDriver } from '../bmc/ipmi/ipmi-driver.js';
import { RedfishDriver } from '../bmc/redfish/redfish-driver.js';
import { systemPathCacheKey, type RedfishSystemPathCache } from '../bmc/redfish/system-path-cache.js';
import { BMC_POWER_POLL_MS, IPMITOOL_TIMEOUT_MS, IPMI_MIN_INTERVAL_MS, POWER_STATE_TIMEOUT_MS, REDFISH_REQUEST_TIMEOUT_MS, SOFT_POWER_OFF_TIMEOUT_MS, type DriverTiming } from '../bmc/timing.js';

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
  configureRaid(): Promise<never> {
    this.fail('software RAID');
  }
  async forget(): Promise<void> {}
}

/** What the host worker keeps between activities (a driver lives for one activity). */
export interface DriverCaches {
  redfishSystemPaths?: RedfishSystemPathCache;
}

export function driversFor(target: HostTarget, settings: DriverSettings, credentials?: { username: string; password: string }, caches: DriverCaches = {}): HostDrivers {
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
    case 'redfish': {
      const paths = caches.redfishSystemPaths;
      const discovery = paths ? { cache: paths, key: systemPathCacheKey({ host: hostKey, bmcAddress: target.bmcAddress, credentialsVersion: target.credentials?.version }) } : undefined;
      return { bmc: new RedfishDriver(address, creds, target.disableCertificateVerification !== true, { ...timing, requestTimeoutMs: t.redfishRequestTimeoutMs, ...(discovery ? { discovery } : {}) }), agent: simulated() };
    }
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

/** What the workflow needs to size BMC activities; a command is the slower driver's (the workflow does not pick drivers). */
export function bmcWaitsOf(settings: DriverSettings): BmcWaits {
  const t = driverTimingOf(settings);
  return {
    powerStateTimeoutMs: t.powerStateTimeoutMs,
    softPowerOffTimeoutMs: t.softPowerOffTimeoutMs,
    powerPollMs: t.pollMs,
    commandMs: Math.max(t.redfishRequestTimeoutMs, t.ipmiMinIntervalMs + t.ipmitoolTimeoutMs),
  };
}

/** Every wait of the Redfish and IPMI drivers, resolved once from the worker's settings (bmc/timing.ts: the defaults). */
export function driverTimingOf(settings: DriverSettings): DriverTiming {
  return {
    powerStateTimeoutMs: settings.powerStateTimeoutMs ?? POWER_STATE_TIMEOUT_MS,
    softPowerOffTimeoutMs: settings.softPowerOffTimeoutMs ?? SOFT_POWER_OFF_TIMEOUT_MS,
    pollMs: settings.powerPollMs ?? BMC_POWER_POLL_MS,
    redfishRequestTimeoutMs: REDFISH_REQUEST_TIMEOUT_MS,
    ipmiMinIntervalMs: settings.ipmiMinIntervalMs ?? IPMI_MIN_INTERVAL_MS,
    ipmitoolTimeoutMs: IPMITOOL_TIMEOUT_MS,
  };
}
