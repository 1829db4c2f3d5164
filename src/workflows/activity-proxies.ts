/** The activities the host workflow calls, with their timeouts and retries (by type only: see lint). */
import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { BootActivities } from '../activities/boot-activities.js';
import type { HostActivities } from '../activities/index.js';
import { DEFAULT_BMC_WAITS, TaskQueue, Timeouts, type BmcWaits } from '../contract/index.js';
import { ACTIVITY_RETRY as retry, SINGLE_ATTEMPT } from './activity-retry.js';
import { bmcActivityTimeoutMs, type BmcActivity } from './activity-timeouts.js';

/** Calls without driver waits (settings, capacity, forget); BMC calls get timeouts from their waits (bmcCall). */
export const bmc = proxyActivities<HostActivities>({ startToCloseTimeout: Timeouts.bmcCallMs, retry });

/**
 * Short calls local to the host worker as local activities (runs past FLEET_SCALE_PATCH): one
 * marker in the history instead of three activity events and the workflow task that carries the
 * result. Temporal recommends them for calls of a few seconds that need no routing or rate limit.
 */
export const LOCAL_OPTIONS: LocalActivityOptions = { startToCloseTimeout: Timeouts.localCallMs, retry };
export const local = proxyLocalActivities<HostActivities>(LOCAL_OPTIONS);

/** A first attempt as a local activity; the caller falls back to the normal activity (its own timeout and retries). */
export const LOCAL_FIRST_ATTEMPT_OPTIONS: LocalActivityOptions = { startToCloseTimeout: Timeouts.localCallMs, retry: SINGLE_ATTEMPT };
export const localFirstAttempt = proxyLocalActivities<HostActivities>(LOCAL_FIRST_ATTEMPT_OPTIONS);

/**
 * The provisioning semaphore's holder check: one short attempt, so a slow check cannot stall the
 * semaphore for the BMC calls' 2 min x 4 attempts; a failed check is tried at the next interval.
 */
export const SLOT_CHECK_OPTIONS: ActivityOptions = { startToCloseTimeout: Timeouts.slotHolderCheckMs, retry: { ...retry, maximumAttempts: 1 } };
export const slotCheck = proxyActivities<HostActivities>(SLOT_CHECK_OPTIONS);

/**
 * A BMC call whose timeout holds the waits of the worker's drivers (a soft power off, then the
 * force off); `waits` as the worker reported them (loadHostSettings), else the drivers' defaults.
 */
export function bmcCall(waits: BmcWaits | undefined, activity: BmcActivity, retryPolicy: RetryPolicy = retry): HostActivities {
  return proxyActivities<HostActivities>({ startToCloseTimeout: bmcActivityTimeoutMs(activity, waits ?? DEFAULT_BMC_WAITS), retry: retryPolicy });
}

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
