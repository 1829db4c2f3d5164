/**
 * Each BMC activity's startToCloseTimeout, derived from the driver waits it contains, so the waits
 * always fit: a soft power off the BMC ignores still reaches the force off inside the same attempt
 * (a fixed 2-minute timeout killed it after 120 of the 180 s soft-off wait). Pure: the workflow
 * passes the waits the worker's drivers reported (loadHostSettings).
 */
import { Timeouts, type BmcWaits } from '../contract/index.js';

export type BmcActivity = 'registerHost' | 'getPowerState' | 'watchPower' | 'setPowerState' | 'rebootHost' | 'bootAgent' | 'bootFromDisk' | 'bootLiveIso';

export interface ActivityWaits {
  /** Soft power-off waits (then the force off). */
  softOffs: number;
  /** Waits for a commanded power state. */
  powerWaits: number;
  /** BMC commands sent, the reads that end each wait included (worst of Redfish and IPMI). */
  commands: number;
}

/**
 * What each activity's driver calls can wait for. Redfish counts one system discovery per activity
 * (a driver is built per activity) and two requests per reset (the system, then the POST).
 */
export const BMC_ACTIVITY_WAITS: Record<BmcActivity, ActivityWaits> = {
  // discovery + the system
  registerHost: { softOffs: 0, powerWaits: 0, commands: 2 },
  getPowerState: { softOffs: 0, powerWaits: 0, commands: 2 },
  // the same read; registering the watch is local to the worker
  watchPower: { softOffs: 0, powerWaits: 0, commands: 2 },
  // Redfish: discovery, state, allowed resets, GracefulShutdown (2), last read, ForceOff (2), last read
  setPowerState: { softOffs: 1, powerWaits: 1, commands: 9 },
  // IPMI soft reboot: state, soft power off (5), power on (3), the final check; Redfish needs fewer
  rebootHost: { softOffs: 1, powerWaits: 3, commands: 11 },
  // discovery, boot override, state, force off (state, reset 2, last read), on (state, allowed, reset 2, last read);
  // virtual media: insert (system, collection, 2 members, eject: the same 4 reads and its POST, the POST);
  // secure boot off (system, SecureBoot, PATCH); a boot override with a mode reads the system first (+1)
  bootAgent: { softOffs: 0, powerWaits: 2, commands: 12 + 10 + 3 + 1 },
  // discovery, force off (4), eject (system, collection, 2 members, POST), boot override (mode read + PATCH), secure boot (3), on (5)
  bootFromDisk: { softOffs: 0, powerWaits: 2, commands: 11 + 5 + 3 + 1 },
  // discovery, force off (4), insert (10), persistent Cd override (mode read + PATCH), secure boot (3), on (5)
  bootLiveIso: { softOffs: 0, powerWaits: 2, commands: 1 + 4 + 10 + 2 + 3 + 5 },
};

/** Added to every derived timeout: scheduling, the driver's own retry delays, a slow worker. */
export const ACTIVITY_TIMEOUT_MARGIN_MS = 30_000;

/** A wait ends at its timeout, or one poll later (the read that sees the deadline is a command). */
const waitMs = (w: BmcWaits, timeoutMs: number): number => timeoutMs + w.powerPollMs;

export function bmcActivityTimeoutMs(activity: BmcActivity, w: BmcWaits): number {
  const plan = BMC_ACTIVITY_WAITS[activity];
  const derived =
    plan.softOffs * waitMs(w, w.softPowerOffTimeoutMs) + plan.powerWaits * waitMs(w, w.powerStateTimeoutMs) + plan.commands * w.commandMs + ACTIVITY_TIMEOUT_MARGIN_MS;
  // Never shorter than before: short driver waits (tests) do not make BMC calls brittle.
  return Math.max(Timeouts.bmcCallMs, derived);
}

export function bmcActivityTimeouts(w: BmcWaits): Record<BmcActivity, number> {
  const out = {} as Record<BmcActivity, number>;
  for (const a of Object.keys(BMC_ACTIVITY_WAITS) as BmcActivity[]) out[a] = bmcActivityTimeoutMs(a, w);
  return out;
}
