/** The workers' tuning settings (src/config/worker-tuning.ts: values and reasons) as the SDK's WorkerOptions. */
import type { WorkerOptions } from '@temporalio/worker';
import type { BootWorkerTuning, HostWorkerTuning, PollerMode } from '../config/worker-tuning.js';

type Tuned = Pick<
  WorkerOptions,
  'maxConcurrentActivityTaskExecutions' | 'maxConcurrentLocalActivityExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows' | 'stickyQueueScheduleToStartTimeout' | 'workflowTaskPollerBehavior' | 'activityTaskPollerBehavior'
>;

/** Autoscaling keeps the SDK's bounds (1..100 polls, 5 at start) and lets the server's backlog hints move within them. */
const autoscaling = (mode: PollerMode) => (mode === 'autoscaling' ? ({ type: 'autoscaling' } as const) : undefined);

export function hostWorkerOptions(t: HostWorkerTuning): Tuned {
  const poll = autoscaling(t.pollers);
  return {
    maxConcurrentActivityTaskExecutions: t.activitySlots,
    maxConcurrentLocalActivityExecutions: t.localActivitySlots,
    maxConcurrentWorkflowTaskExecutions: t.workflowTaskSlots,
    maxCachedWorkflows: t.cachedWorkflows,
    stickyQueueScheduleToStartTimeout: t.stickyTimeoutMs,
    ...(poll ? { workflowTaskPollerBehavior: poll, activityTaskPollerBehavior: poll } : {}),
  };
}

export function bootWorkerOptions(t: BootWorkerTuning): Tuned {
  const poll = autoscaling(t.pollers);
  return { maxConcurrentActivityTaskExecutions: t.activitySlots, ...(poll ? { activityTaskPollerBehavior: poll } : {}) };
}
