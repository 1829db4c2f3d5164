/** Deleting: forget the host in its drivers (best effort) and finish the workflow. */
import { allHandlersFinished, condition, log } from '@temporalio/workflow';
import { bmc } from '../activity-proxies.js';
import { describeFailure, type HostRun } from '../host-run.js';
import { HostEvent } from '../state-machine.js';

export async function deleting(host: HostRun): Promise<void> {
  host.currentStep = 'forgetHost';
  if (host.spec.bmc?.address) {
    await bmc.forgetHost({ target: host.target(), opId: host.opId('forget') }).catch((err: unknown) => log.warn('forget failed; deleting anyway', { error: describeFailure(err) }));
  }
  await host.advance(HostEvent.Deleted);
  await condition(allHandlersFinished);
  host.finished = true;
}
