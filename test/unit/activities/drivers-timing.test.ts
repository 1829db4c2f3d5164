/**
 * The waits the host worker's BMC drivers make, resolved once from the worker settings: the
 * drivers are built from it and the workflow gets it (loadHostSettings) to size activity timeouts.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BMC_WAITS, Timeouts } from '../../../src/contract/index.js';
import { bmcWaitsOf, driverTimingOf } from '../../../src/activities/drivers.js';
import { BMC_POWER_POLL_MS, IPMITOOL_TIMEOUT_MS, IPMI_MIN_INTERVAL_MS, REDFISH_REQUEST_TIMEOUT_MS } from '../../../src/bmc/timing.js';

const base = { fakeStateDir: '/nonexistent', fakeStepMs: 1 };

describe('BMC driver timing', () => {
  it('defaults to Ironic’s values', () => {
    expect(driverTimingOf(base)).toEqual({
      powerStateTimeoutMs: Timeouts.powerStateMs,
      softPowerOffTimeoutMs: Timeouts.softPowerOffMs,
      pollMs: BMC_POWER_POLL_MS,
      redfishRequestTimeoutMs: REDFISH_REQUEST_TIMEOUT_MS,
      ipmiMinIntervalMs: IPMI_MIN_INTERVAL_MS,
      ipmitoolTimeoutMs: IPMITOOL_TIMEOUT_MS,
    });
    expect([Timeouts.powerStateMs, Timeouts.softPowerOffMs, IPMI_MIN_INTERVAL_MS]).toEqual([120_000, 180_000, 5_000]);
    // What a workflow assumes when its settings predate the reported waits.
    expect(bmcWaitsOf(base)).toEqual(DEFAULT_BMC_WAITS);
  });

  it('reports the waits the workflow sizes activity timeouts by, from the same settings', () => {
    const w = bmcWaitsOf({ ...base, powerStateTimeoutMs: 7_000, softPowerOffTimeoutMs: 9_000, powerPollMs: 50, ipmiMinIntervalMs: 40_000 });
    expect(w).toEqual({ powerStateTimeoutMs: 7_000, softPowerOffTimeoutMs: 9_000, powerPollMs: 50, commandMs: 40_000 + IPMITOOL_TIMEOUT_MS });
  });

  it('takes the slower driver’s command: a Redfish request or an IPMI command after its spacing', () => {
    expect(bmcWaitsOf(base).commandMs).toBe(Math.max(REDFISH_REQUEST_TIMEOUT_MS, IPMI_MIN_INTERVAL_MS + IPMITOOL_TIMEOUT_MS));
    expect(bmcWaitsOf({ ...base, ipmiMinIntervalMs: 0 }).commandMs).toBe(Math.max(REDFISH_REQUEST_TIMEOUT_MS, IPMITOOL_TIMEOUT_MS));
  });
});
