/**
 * Every wait of the Redfish and IPMI drivers, resolved once from the worker's settings: the drivers
 * are built from it (registry.ts) and the workflow is told about it (loadHostSettings), so an
 * activity's timeout always holds the waits its driver calls make.
 */
import { Timeouts, type BmcWaits } from '../contract.js';
import type { DriverSettings } from './registry.js';

/** Between two power-state reads while waiting for a commanded state. */
export const BMC_POWER_POLL_MS = 1_000;
/** One Redfish request (headers, then body) before it counts as failed. */
export const REDFISH_REQUEST_TIMEOUT_MS = 30_000;
/** Ironic's min_command_interval: spacing between two ipmitool commands to one BMC. */
export const IPMI_MIN_INTERVAL_MS = 5_000;
/** One ipmitool run before it is killed. */
export const IPMITOOL_TIMEOUT_MS = 30_000;

export interface DriverTiming {
  powerStateTimeoutMs: number;
  softPowerOffTimeoutMs: number;
  pollMs: number;
  redfishRequestTimeoutMs: number;
  ipmiMinIntervalMs: number;
  ipmitoolTimeoutMs: number;
}

export function driverTimingOf(settings: DriverSettings): DriverTiming {
  return {
    powerStateTimeoutMs: settings.powerStateTimeoutMs ?? Timeouts.powerStateMs,
    softPowerOffTimeoutMs: settings.softPowerOffTimeoutMs ?? Timeouts.softPowerOffMs,
    pollMs: settings.powerPollMs ?? BMC_POWER_POLL_MS,
    redfishRequestTimeoutMs: REDFISH_REQUEST_TIMEOUT_MS,
    ipmiMinIntervalMs: settings.ipmiMinIntervalMs ?? IPMI_MIN_INTERVAL_MS,
    ipmitoolTimeoutMs: IPMITOOL_TIMEOUT_MS,
  };
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
