/** Polls a BMC until its power state follows a command (BMCs apply power changes asynchronously). */
import { PowerControlError } from '../errors.js';
import type { OperationContext } from './driver.js';

/** Returns true once power is `on`; after `timeoutMs` returns false, or throws when `strict`. */
export async function waitForPower(
  ctx: OperationContext,
  read: () => Promise<boolean>,
  on: boolean,
  opts: { timeoutMs: number; pollMs: number; strict?: boolean },
): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if ((await read()) === on) return true;
    if (Date.now() >= deadline) {
      if (opts.strict === false) return false;
      throw new PowerControlError(`power did not turn ${on ? 'on' : 'off'} within ${Math.round(opts.timeoutMs / 1000)}s`, { on });
    }
    ctx.signal.throwIfAborted();
    ctx.heartbeat({ waitingFor: on ? 'power on' : 'power off' });
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}
