/**
 * Each BMC activity's startToCloseTimeout comes from the driver waits it contains, so a soft power
 * off that the BMC ignores still reaches the force off inside the activity (issue 10, item 7).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BMC_WAITS, Timeouts, type BmcWaits } from '../../../src/contract/index.js';
import { ACTIVITY_TIMEOUT_MARGIN_MS, BMC_ACTIVITY_WAITS, bmcActivityTimeoutMs, bmcActivityTimeouts } from '../../../src/workflows/activity-timeouts.js';

const waits: BmcWaits = { powerStateTimeoutMs: 120_000, softPowerOffTimeoutMs: 180_000, powerPollMs: 1_000, commandMs: 35_000 };
/** One power-state wait: its timeout, then at most one more poll interval (the last read is a command). */
const wait = (w: BmcWaits, timeoutMs: number): number => timeoutMs + w.powerPollMs;
const commands = (w: BmcWaits, n: number): number => n * w.commandMs;

describe('BMC activity timeouts', () => {
  it('setPowerState fits a whole soft power off, then the force off and its power-state wait', () => {
    const t = bmcActivityTimeoutMs('setPowerState', waits);
    // Soft off ignored for 180 s, then ForceOff and up to 120 s for the BMC to report it: more than the old fixed 120 s.
    expect(t).toBeGreaterThan(Timeouts.bmcCallMs);
    expect(t).toBeGreaterThanOrEqual(wait(waits, 180_000) + wait(waits, 120_000) + commands(waits, BMC_ACTIVITY_WAITS.setPowerState.commands));
    expect(BMC_ACTIVITY_WAITS.setPowerState).toMatchObject({ softOffs: 1, powerWaits: 1 });
  });

  it('follows the worker settings: a longer soft-off timeout lengthens power off and soft reboot by as much', () => {
    const longer = { ...waits, softPowerOffTimeoutMs: waits.softPowerOffTimeoutMs + 600_000 };
    expect(bmcActivityTimeoutMs('setPowerState', longer) - bmcActivityTimeoutMs('setPowerState', waits)).toBe(600_000);
    expect(bmcActivityTimeoutMs('rebootHost', longer) - bmcActivityTimeoutMs('rebootHost', waits)).toBe(600_000);
    // Boots power-cycle with force: no soft-off wait in them.
    expect(bmcActivityTimeoutMs('bootAgent', longer)).toBe(bmcActivityTimeoutMs('bootAgent', waits));
  });

  it('gives bootAgent, bootFromDisk and bootLiveIso two power-state waits (off, then on)', () => {
    const longer = { ...waits, powerStateTimeoutMs: waits.powerStateTimeoutMs + 100_000 };
    for (const a of ['bootAgent', 'bootFromDisk', 'bootLiveIso'] as const) {
      expect(bmcActivityTimeoutMs(a, longer) - bmcActivityTimeoutMs(a, waits)).toBe(200_000);
      expect(bmcActivityTimeoutMs(a, waits)).toBeGreaterThanOrEqual(2 * wait(waits, 120_000) + commands(waits, BMC_ACTIVITY_WAITS[a].commands));
    }
  });

  it('gives a soft reboot (IPMI: soft off, on, then the final check) a soft-off and three power-state waits', () => {
    expect(BMC_ACTIVITY_WAITS.rebootHost).toMatchObject({ softOffs: 1, powerWaits: 3 });
    expect(bmcActivityTimeoutMs('rebootHost', waits)).toBeGreaterThanOrEqual(wait(waits, 180_000) + 3 * wait(waits, 120_000) + commands(waits, BMC_ACTIVITY_WAITS.rebootHost.commands));
  });

  it('counts slow BMC commands: each may take commandMs (request timeout, IPMI command spacing)', () => {
    const slow = { ...waits, commandMs: waits.commandMs + 10_000 };
    for (const [activity, plan] of Object.entries(BMC_ACTIVITY_WAITS)) {
      const a = activity as keyof typeof BMC_ACTIVITY_WAITS;
      expect(plan.commands).toBeGreaterThan(0);
      const grow = bmcActivityTimeoutMs(a, slow) - bmcActivityTimeoutMs(a, waits);
      // Unless the floor holds it, the timeout grows with every command the activity sends.
      if (bmcActivityTimeoutMs(a, waits) > Timeouts.bmcCallMs) expect(grow).toBe(plan.commands * 10_000);
    }
  });

  it('adds the margin, and never goes below the old fixed BMC call timeout', () => {
    expect(ACTIVITY_TIMEOUT_MARGIN_MS).toBe(30_000);
    const tiny: BmcWaits = { powerStateTimeoutMs: 10, softPowerOffTimeoutMs: 10, powerPollMs: 1, commandMs: 10 };
    for (const t of Object.values(bmcActivityTimeouts(tiny))) expect(t).toBe(Timeouts.bmcCallMs);
    const plan = BMC_ACTIVITY_WAITS.setPowerState;
    const raw = plan.softOffs * wait(waits, waits.softPowerOffTimeoutMs) + plan.powerWaits * wait(waits, waits.powerStateTimeoutMs) + commands(waits, plan.commands);
    expect(bmcActivityTimeoutMs('setPowerState', waits)).toBe(raw + ACTIVITY_TIMEOUT_MARGIN_MS);
  });

  it('defaults (for runs whose settings predate the waits) are the drivers’ defaults', () => {
    expect(DEFAULT_BMC_WAITS).toMatchObject({ powerStateTimeoutMs: 120_000, softPowerOffTimeoutMs: Timeouts.softPowerOffMs });
    expect(bmcActivityTimeouts(DEFAULT_BMC_WAITS).setPowerState).toBeGreaterThan(DEFAULT_BMC_WAITS.softPowerOffTimeoutMs + DEFAULT_BMC_WAITS.powerStateTimeoutMs);
  });
});
