/**
 * Every wait of the Redfish and IPMI drivers, resolved once from the worker's settings: the drivers
 * are built from it (activities/drivers.ts) and the workflow is told about it (loadHostSettings), so
 * an activity's timeout always holds the waits its driver calls make.
 */

/** Wait for a BMC to report a commanded power state (Ironic power_state_change_timeout). */
export const POWER_STATE_TIMEOUT_MS = 120_000;
/** Soft power off before forcing it (Ironic's soft power-off timeout). */
export const SOFT_POWER_OFF_TIMEOUT_MS = 180_000;

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
