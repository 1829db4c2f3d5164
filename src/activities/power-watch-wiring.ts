/**
 * The host worker's power watch: reports go to the host workflow as a `powerDrift` signal (the
 * host then reads the power itself; it never takes the report's word for it).
 */
import type { Client } from '@temporalio/client';
import { MIN_WATCH_INTERVAL_MS, PowerWatch } from '../bmc/power-watch.js';
import { DEFAULT_HOST_SETTINGS, powerDriftSignal, type HostSettings } from '../contract/index.js';

/** Slowest tick of the watch: polls start at most this late after they are due. */
export const MAX_WATCH_TICK_MS = 1_000;

/** One watch per worker, ticking a few times per sync interval; none without a Temporal client to report through. */
export function powerWatchOf(deps: { temporal?: Pick<Client, 'workflow'>; settings: HostSettings }): PowerWatch | undefined {
  const temporal = deps.temporal;
  if (!temporal || deps.settings.powerWatch === false) return undefined;
  const watch = new PowerWatch(async (workflowId, r) => {
    await temporal.workflow.getHandle(workflowId).signal(powerDriftSignal, r.kind === 'drift' ? { poweredOn: r.poweredOn } : { error: r.error });
  });
  const syncMs = deps.settings.powerSyncIntervalMs || DEFAULT_HOST_SETTINGS.powerSyncIntervalMs;
  watch.start(Math.min(MAX_WATCH_TICK_MS, Math.max(MIN_WATCH_INTERVAL_MS / 4, syncMs / 4)));
  return watch;
}
