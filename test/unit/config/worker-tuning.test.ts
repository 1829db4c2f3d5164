/**
 * Worker tuning settings (PERF-PLAN changes 8 and 9): every slot count, the sticky cache, the
 * sticky queue timeout and the poller behaviour are explicit, with defaults sized for a fleet of
 * ~1000 hosts per worker, and refused when out of range.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CACHED_WORKFLOWS, MAX_STICKY_TIMEOUT_MS, MAX_WORKER_SLOTS, bootWorkerTuningFromEnv, hostWorkerTuningFromEnv } from '../../../src/config/worker-tuning.js';

describe('worker tuning settings', () => {
  it('defaults: 1000 activity slots, 200 local activity slots, 40 workflow task slots, 2000 cached workflows, 10 s sticky timeout (crash recovery), autoscaling pollers', () => {
    expect(hostWorkerTuningFromEnv({})).toEqual({ activitySlots: 1000, localActivitySlots: 200, workflowTaskSlots: 40, cachedWorkflows: 2000, stickyTimeoutMs: 10_000, pollers: 'autoscaling' });
    expect(bootWorkerTuningFromEnv({})).toEqual({ activitySlots: 1000, pollers: 'autoscaling' });
  });

  it('reads each from its variable', () => {
    expect(
      hostWorkerTuningFromEnv({
        METALFLOW_WORKER_ACTIVITY_SLOTS: '50',
        METALFLOW_WORKER_LOCAL_ACTIVITY_SLOTS: '20',
        METALFLOW_WORKER_WORKFLOW_TASK_SLOTS: '8',
        METALFLOW_WORKER_CACHED_WORKFLOWS: '300',
        METALFLOW_WORKER_STICKY_TIMEOUT: '1m',
        METALFLOW_WORKER_POLLERS: 'fixed',
      }),
    ).toEqual({ activitySlots: 50, localActivitySlots: 20, workflowTaskSlots: 8, cachedWorkflows: 300, stickyTimeoutMs: 60_000, pollers: 'fixed' });
    expect(bootWorkerTuningFromEnv({ METALFLOW_BOOT_WORKER_ACTIVITY_SLOTS: '64', METALFLOW_WORKER_POLLERS: 'fixed' })).toEqual({ activitySlots: 64, pollers: 'fixed' });
  });

  it(`refuses slot counts above MAX_WORKER_SLOTS (${MAX_WORKER_SLOTS}), zero, and fewer than 2 workflow task slots (the SDK needs 2 with a sticky cache)`, () => {
    expect(() => hostWorkerTuningFromEnv({ METALFLOW_WORKER_ACTIVITY_SLOTS: String(MAX_WORKER_SLOTS + 1) })).toThrow(/METALFLOW_WORKER_ACTIVITY_SLOTS/);
    expect(hostWorkerTuningFromEnv({ METALFLOW_WORKER_ACTIVITY_SLOTS: String(MAX_WORKER_SLOTS) }).activitySlots).toBe(MAX_WORKER_SLOTS);
    expect(() => hostWorkerTuningFromEnv({ METALFLOW_WORKER_LOCAL_ACTIVITY_SLOTS: '0' })).toThrow(/METALFLOW_WORKER_LOCAL_ACTIVITY_SLOTS/);
    expect(() => hostWorkerTuningFromEnv({ METALFLOW_WORKER_WORKFLOW_TASK_SLOTS: '1' })).toThrow(/METALFLOW_WORKER_WORKFLOW_TASK_SLOTS/);
    expect(() => bootWorkerTuningFromEnv({ METALFLOW_BOOT_WORKER_ACTIVITY_SLOTS: String(MAX_WORKER_SLOTS + 1) })).toThrow(/METALFLOW_BOOT_WORKER_ACTIVITY_SLOTS/);
  });

  it(`refuses more than MAX_CACHED_WORKFLOWS (${MAX_CACHED_WORKFLOWS}) cached workflows and a sticky timeout outside 1 s..MAX_STICKY_TIMEOUT_MS`, () => {
    expect(() => hostWorkerTuningFromEnv({ METALFLOW_WORKER_CACHED_WORKFLOWS: String(MAX_CACHED_WORKFLOWS + 1) })).toThrow(/METALFLOW_WORKER_CACHED_WORKFLOWS/);
    expect(hostWorkerTuningFromEnv({ METALFLOW_WORKER_CACHED_WORKFLOWS: '0' }).cachedWorkflows).toBe(0); // 0: no sticky cache (the SDK allows it)
    expect(() => hostWorkerTuningFromEnv({ METALFLOW_WORKER_STICKY_TIMEOUT: `${MAX_STICKY_TIMEOUT_MS + 1}ms` })).toThrow(/METALFLOW_WORKER_STICKY_TIMEOUT/);
    expect(() => hostWorkerTuningFromEnv({ METALFLOW_WORKER_STICKY_TIMEOUT: '500ms' })).toThrow(/METALFLOW_WORKER_STICKY_TIMEOUT/);
  });

  it('refuses an unknown poller behaviour', () => {
    expect(() => hostWorkerTuningFromEnv({ METALFLOW_WORKER_POLLERS: 'many' })).toThrow(/METALFLOW_WORKER_POLLERS/);
  });
});
