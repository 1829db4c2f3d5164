/**
 * An idle host's power (issue 14): instead of a timer and a power read every sync interval
 * (~2,900 actions a day per host), the host worker watches the BMC between syncs and signals the
 * host only on drift (bmc/power-watch.ts, `watchPower`). The workflow reads the power itself
 * and renews the watch on a slow safety poll, which also bounds how long a watch lost with its
 * worker goes unnoticed. Runs from before FLEET_SCALE_PATCH keep the per-interval poll.
 */
import { isCancellation, log, patched } from '@temporalio/workflow';
import { ErrorType } from '../api/types.js';
import { DEFAULT_POWER_SAFETY_POLL_MS, WATCH_LEASE_SAFETY_POLLS } from '../contract/index.js';
import { local } from './activity-proxies.js';
import { FLEET_SCALE_PATCH, describeFailure, type HostRun } from './host-run.js';

/** The run's view of its watch: not carried across continue-as-new (the new run registers again). */
export class IdlePower {
  /** The worker reported drift (or a BMC it cannot read) since the last registration. */
  reported = false;
  /** What the watch was registered for, and when the workflow reads the power itself next. */
  watched: { as: string; until: number } | undefined;
  patch: boolean | undefined;
  wakeupPatch: boolean | undefined;
  /** A step other than watchPower ran since the registration (the worker may have dropped the entry). */
  stale = false;
  rewatchPatch: boolean | undefined;
  /** The worker was told to drop the watch (detached) and no registration followed. */
  dropped = false;
}

/** Called by every step: any step but watchPower may have ended the worker's watch (act()). */
export function noteStep(idle: IdlePower, name: string): void {
  if (name !== 'watchPower' && idle.watched) idle.stale = true;
}

/**
 * The stable states' wait, for runs past FLEET_SCALE_PATCH (false: the caller polls as before).
 * Returns when the safety poll is due, drift was reported, or anything else woke the host.
 */
export async function idleWait(host: HostRun, powerManaged: boolean, waiting: string): Promise<boolean> {
  if (host.settings.powerWatch === false) return false;
  const idle = host.idle;
  idle.patch ??= patched(FLEET_SCALE_PATCH);
  if (!idle.patch) return false;
  if (!powerManaged) {
    // unmanaged: nothing to read until BMC details arrive (an apply wakes the host)
    await host.sleep();
    return true;
  }
  const { status, settings } = host;
  const safetyMs = settings.powerSafetyPollIntervalMs ?? DEFAULT_POWER_SAFETY_POLL_MS;
  const as = `${host.registrationIdentity()}|${status.poweredOn}`;
  if (idle.stale) {
    idle.stale = false;
    // Asked only when a step ran since the registration, so runs without one replay unchanged.
    if ((idle.rewatchPatch ??= patched(FLEET_SCALE_PATCH))) idle.watched = undefined;
  }
  if (idle.reported || idle.watched?.as !== as || Date.now() >= idle.watched.until) {
    idle.reported = false;
    idle.watched = undefined;
    const seen = host.wakeups; // host.sleep() counts from its own start: a wake during the step would be lost
    const r = await host.step('watchPower', ErrorType.PowerManagement, () =>
      host.bmc('watchPower').watchPower({ target: host.target(), expected: status.poweredOn, intervalMs: settings.powerSyncIntervalMs, leaseMs: safetyMs * WATCH_LEASE_SAFETY_POLLS }),
    );
    if (!r.ok) {
      await host.waitBackoff();
      return true;
    }
    if (r.value.poweredOn !== status.poweredOn) {
      status.poweredOn = r.value.poweredOn; // the next round enforces spec.online, then watches again
      host.publish();
      return true;
    }
    // Not watched (the worker's watch list is full): read again at the sync interval, as before the watch.
    idle.watched = { as, until: Date.now() + (r.value.watching ? safetyMs : settings.powerSyncIntervalMs) };
    idle.dropped = false;
    if (host.wakeups !== seen && (idle.wakeupPatch ??= patched(FLEET_SCALE_PATCH))) return true; // the loop looks at what woke it
  }
  host.currentStep = waiting;
  await host.sleep(Math.max(1, idle.watched.until - Date.now()), { drift: true });
  return true;
}

/**
 * A detached host makes no BMC calls, so its worker stops watching it (else it polls the BMC until
 * the lease ends, up to WATCH_LEASE_SAFETY_POLLS safety polls): once per detachment, in runs past
 * FLEET_SCALE_PATCH (earlier runs replay without the call). A deleted host's last steps end the
 * watch themselves (act() in the activities). Best effort: a failure leaves only the lease.
 */
export async function dropWatch(host: HostRun): Promise<void> {
  const idle = host.idle;
  if (idle.dropped || host.settings.powerWatch === false || !host.spec.bmc?.address || !patched(FLEET_SCALE_PATCH)) return;
  idle.dropped = true;
  idle.watched = undefined;
  try {
    await local.unwatchPower();
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('dropping the power watch failed', { error: describeFailure(err) });
  }
}
