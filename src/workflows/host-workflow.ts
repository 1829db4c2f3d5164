/**
 * One BareMetalHost = one long-running workflow. Each round of the loop reconciles the host in
 * BMO's order (reconcile.ts): operator rules first, then the desired spec, then the current
 * state's handler (handlers/); every resulting event goes through the transition table
 * (state-machine.ts). Signals and updates only record intent (signals.ts); the loop acts on it.
 */
import { patched } from '@temporalio/workflow';
import type { HostWorkflowInput } from '../contract/index.js';
import { bmc, local } from './activity-proxies.js';
import { FLEET_SCALE_PATCH, HostRun } from './host-run.js';
import { hostMetrics } from './metrics.js';
import { reconcile } from './reconcile.js';
import { installHandlers } from './signals.js';

export async function hostWorkflow(input: HostWorkflowInput): Promise<void> {
  const host = new HostRun(input);
  installHandlers(host);
  // The worker's settings: a local activity in runs past FLEET_SCALE_PATCH (this is where a new run first asks it).
  host.settings = await (patched(FLEET_SCALE_PATCH) ? local : bmc).loadHostSettings();
  host.publish();
  while (!host.finished) {
    hostMetrics.reconciled(host.hostKey()); // BMO's metal3_reconcile_total: one per round
    await reconcile(host);
  }
}
