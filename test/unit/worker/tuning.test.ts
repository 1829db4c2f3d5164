/**
 * The tuning settings become the SDK's WorkerOptions (checked against @temporalio/worker's own
 * option types: a renamed option fails the type check), autoscaling pollers included.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bootWorkerOptions, hostWorkerOptions } from '../../../src/worker/tuning.js';

describe('worker tuning → SDK worker options', () => {
  it('sets every slot count, the sticky cache and timeout, and autoscaling pollers on the host worker', () => {
    const options: Partial<WorkerOptions> = hostWorkerOptions({ activitySlots: 1000, localActivitySlots: 200, workflowTaskSlots: 40, cachedWorkflows: 2000, stickyTimeoutMs: 10_000, pollers: 'autoscaling' });
    expect(options).toEqual({
      maxConcurrentActivityTaskExecutions: 1000,
      maxConcurrentLocalActivityExecutions: 200,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxCachedWorkflows: 2000,
      stickyQueueScheduleToStartTimeout: 10_000,
      workflowTaskPollerBehavior: { type: 'autoscaling' },
      activityTaskPollerBehavior: { type: 'autoscaling' },
    });
  });

  it('leaves the SDK’s fixed pollers when asked, and sets activity slots only on the boot worker (it runs no workflows)', () => {
    expect(hostWorkerOptions({ activitySlots: 10, localActivitySlots: 10, workflowTaskSlots: 2, cachedWorkflows: 0, stickyTimeoutMs: 10_000, pollers: 'fixed' })).not.toHaveProperty('workflowTaskPollerBehavior');
    const boot: Partial<WorkerOptions> = bootWorkerOptions({ activitySlots: 1000, pollers: 'autoscaling' });
    expect(boot).toEqual({ maxConcurrentActivityTaskExecutions: 1000, activityTaskPollerBehavior: { type: 'autoscaling' } });
  });
});
