/** The activities the host workflow calls, with their timeouts and retries (by type only: see lint). */
import { proxyActivities } from '@temporalio/workflow';
import type { BootActivities } from '../activities/boot-activities.js';
import type { HostActivities } from '../activities/index.js';
import { TaskQueue, Timeouts } from '../contract/index.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors.js';

const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 4, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] };

/** Short BMC calls. */
export const bmc = proxyActivities<HostActivities>({ startToCloseTimeout: Timeouts.bmcCallMs, retry });

/** Long hardware operations: heartbeat so a dead worker is noticed within seconds, not the full timeout. */
export const hardware = proxyActivities<HostActivities>({
  startToCloseTimeout: Timeouts.hardwareOperationMs,
  heartbeatTimeout: Timeouts.heartbeatMs,
  retry,
});

/** Boot-services activities: they run on the host's provisioning network's boot worker, next to the agent API. */
export const bootActivitiesOn = (network: string): BootActivities =>
  proxyActivities<BootActivities>({
    taskQueue: TaskQueue.boot(network),
    scheduleToStartTimeout: Timeouts.bootServicesScheduleMs,
    startToCloseTimeout: Timeouts.hardwareOperationMs,
    heartbeatTimeout: Timeouts.heartbeatMs * 4,
    retry,
  });
