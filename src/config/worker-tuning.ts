/**
 * Worker tuning (PERF-PLAN changes 8 and 9): slots, sticky cache, sticky queue timeout and pollers,
 * each explicit with the reason for its default, sized for ~1000 hosts on one host worker.
 *   METALFLOW_WORKER_ACTIVITY_SLOTS (1000), METALFLOW_WORKER_LOCAL_ACTIVITY_SLOTS (200),
 *   METALFLOW_WORKER_WORKFLOW_TASK_SLOTS (40), METALFLOW_WORKER_CACHED_WORKFLOWS (2000),
 *   METALFLOW_WORKER_STICKY_TIMEOUT (10s), METALFLOW_WORKER_POLLERS (autoscaling | fixed),
 *   METALFLOW_BOOT_WORKER_ACTIVITY_SLOTS (1000).
 */
import { parseDurationMs } from '../api/durations.js';
import { wholeNumberFromEnv } from './env-numbers.js';

/** Most slots of any kind: a typo (1e6) must not let one worker open a million BMC requests. */
export const MAX_WORKER_SLOTS = 10_000;
/** Most cached workflows: ~1 MB each (SDK docs, reuseV8Context), so 20 GB of heap at most. */
export const MAX_CACHED_WORKFLOWS = 20_000;
/** Longest sticky queue timeout: after a worker crash a host's next workflow task waits this long. */
export const MAX_STICKY_TIMEOUT_MS = 5 * 60_000;
const MIN_STICKY_TIMEOUT_MS = 1_000;

/** `autoscaling`: pollers follow the server's backlog hints (server ≥ 1.28); `fixed`: the SDK's min(10, slots). */
export type PollerMode = 'autoscaling' | 'fixed';

export interface HostWorkerTuning {
  /**
   * BMC activities mostly wait on the BMC (power waits 1–11 s, boots 2–10 s) and hold a pending
   * HTTP request each; ~60 % of a lifecycle is spent in them, so 1000 hosts want ~600 at once.
   * The SDK's 100 queued hardware steps behind each other at 1000 hosts.
   */
  activitySlots: number;
  /** Local activities (settings, capacity, registration) are short; 200 covers a burst of hosts. */
  localActivitySlots: number;
  /**
   * Workflow tasks are CPU work on one workflow thread (reuseV8Context): more slots than the
   * SDK's 40 only queue inside the worker and time tasks out under load.
   */
  workflowTaskSlots: number;
  /**
   * Every running host workflow stays cached (a miss replays its whole history on every task).
   * The SDK's default follows the heap size, so a smaller heap silently evicts; 2000 = 1000 hosts
   * with room, ~2 GB of heap at ~1 MB each.
   */
  cachedWorkflows: number;
  /**
   * How long a task waits on this worker's sticky queue before any worker may take it (and
   * replay the history from scratch). Kept at the SDK's 10 s, on purpose: it is also how long a
   * crashed worker's hosts stall, and their queries fail ("no poller seen for task queue
   * recently"), before a restarted worker gets them; 30 s made the SIGKILL integration test
   * (test/integration/worker/worker-crash.test.ts) fail that way. A longer value only helps a
   * saturated worker that is never restarted: raise it there.
   */
  stickyTimeoutMs: number;
  pollers: PollerMode;
}

export interface BootWorkerTuning {
  /** agentClean / agentDeploy hold a slot while the agent works (minutes on real disks): one per host in flight. */
  activitySlots: number;
  pollers: PollerMode;
}

const count = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number => wholeNumberFromEnv(env, name, fallback, { min, max });

function pollers(env: NodeJS.ProcessEnv): PollerMode {
  const raw = env.METALFLOW_WORKER_POLLERS || 'autoscaling';
  if (raw !== 'autoscaling' && raw !== 'fixed') throw new Error(`METALFLOW_WORKER_POLLERS=${raw}: expected autoscaling or fixed`);
  return raw;
}

export function hostWorkerTuningFromEnv(env: NodeJS.ProcessEnv = process.env): HostWorkerTuning {
  const sticky = env.METALFLOW_WORKER_STICKY_TIMEOUT ? parseDurationMs(env.METALFLOW_WORKER_STICKY_TIMEOUT) : 10_000;
  if (sticky < MIN_STICKY_TIMEOUT_MS || sticky > MAX_STICKY_TIMEOUT_MS) {
    throw new Error(`METALFLOW_WORKER_STICKY_TIMEOUT=${env.METALFLOW_WORKER_STICKY_TIMEOUT ?? ''}: expected between ${MIN_STICKY_TIMEOUT_MS} and ${MAX_STICKY_TIMEOUT_MS} ms`);
  }
  return {
    activitySlots: count(env, 'METALFLOW_WORKER_ACTIVITY_SLOTS', 1000, 1, MAX_WORKER_SLOTS),
    localActivitySlots: count(env, 'METALFLOW_WORKER_LOCAL_ACTIVITY_SLOTS', 200, 1, MAX_WORKER_SLOTS),
    workflowTaskSlots: count(env, 'METALFLOW_WORKER_WORKFLOW_TASK_SLOTS', 40, 2, MAX_WORKER_SLOTS), // the SDK needs 2 with a sticky cache
    cachedWorkflows: count(env, 'METALFLOW_WORKER_CACHED_WORKFLOWS', 2000, 0, MAX_CACHED_WORKFLOWS),
    stickyTimeoutMs: sticky,
    pollers: pollers(env),
  };
}

export function bootWorkerTuningFromEnv(env: NodeJS.ProcessEnv = process.env): BootWorkerTuning {
  return { activitySlots: count(env, 'METALFLOW_BOOT_WORKER_ACTIVITY_SLOTS', 1000, 1, MAX_WORKER_SLOTS), pollers: pollers(env) };
}
