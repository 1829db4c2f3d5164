/** Polls a BMC until its power state follows a command (BMCs apply power changes asynchronously). */
import { PowerControlError } from '../errors.js';
import type { OperationContext } from './driver.js';

/**
 * Early in a wait, between two power-state reads. Most BMCs (and sushy-tools) apply a power change
 * within a second or two, so a first poll a whole interval later adds up to that interval of
 * overhead to every power step; a few extra GETs in the first seconds cost the BMC little.
 */
export const FAST_POWER_POLL_MS = 250;
/** How long after the wait starts the fast polls last; then the configured interval (`pollMs`). */
export const FAST_POWER_POLL_WINDOW_MS = 2_000;

/** The delay before the next read, `elapsedMs` into a wait: fast at first, never slower than `pollMs`. */
export function powerPollDelayMs(elapsedMs: number, pollMs: number): number {
  return elapsedMs < FAST_POWER_POLL_WINDOW_MS ? Math.min(FAST_POWER_POLL_MS, pollMs) : pollMs;
}

/** Returns true once power is `on`; after `timeoutMs` returns false, or throws when `strict`. */
export async function waitForPower(
  ctx: OperationContext,
  read: () => Promise<boolean>,
  on: boolean,
  opts: { timeoutMs: number; pollMs: number; strict?: boolean },
): Promise<boolean> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  for (;;) {
    if ((await read()) === on) return true;
    if (Date.now() >= deadline) {
      if (opts.strict === false) return false;
      throw new PowerControlError(`power did not turn ${on ? 'on' : 'off'} within ${Math.round(opts.timeoutMs / 1000)}s`, { on });
    }
    ctx.signal.throwIfAborted();
    ctx.heartbeat({ waitingFor: on ? 'power on' : 'power off' });
    await new Promise((r) => setTimeout(r, powerPollDelayMs(Date.now() - started, opts.pollMs)));
  }
}
