/**
 * The host worker's power watch: reports go to the host workflow as a `powerDrift` signal (the
 * host then reads the power itself; it never takes the report's word for it). A worker starts
 * with an empty watch list, so it asks the idle hosts of its task queue to register again.
 */
import type { Client } from '@temporalio/client';
import { OperationalStatus, ProvisioningState as S } from '../api/types.js';
import { MIN_WATCH_INTERVAL_MS, PowerWatch } from '../bmc/power-watch.js';
import { DEFAULT_HOST_SETTINGS, HOST_WORKFLOW_TYPE, SearchAttr, powerDriftSignal, type HostSettings } from '../contract/index.js';

/** Slowest tick of the watch: polls start at most this late after they are due. */
export const MAX_WATCH_TICK_MS = 1_000;
/** Signals in flight at once when a starting worker asks the idle hosts to register again. */
export const REWATCH_CONCURRENCY = 32;
/**
 * Most signals per second when a starting worker asks the idle hosts to register again: each makes
 * its host read its BMC, so 1,200 hosts spread over one default sync interval (60 s) instead of at once.
 */
export const REWATCH_SIGNALS_PER_SECOND = 20;

/** The states whose hosts are watched (the workflow's power-managed stable states). */
const WATCHED_STATES: readonly string[] = [S.Available, S.Provisioned, S.ExternallyProvisioned];

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export interface PowerWatchDeps {
  temporal?: Pick<Client, 'workflow'>;
  settings: HostSettings;
  /** This worker's task queue: its idle hosts are asked to register again at start (none given: they wait for their safety poll). */
  taskQueue?: string;
  onError?: (what: string, err: unknown) => void;
}

/** One watch per worker, ticking a few times per sync interval; none without a Temporal client to report through. */
export function powerWatchOf(deps: PowerWatchDeps): PowerWatch | undefined {
  const temporal = deps.temporal;
  if (!temporal || deps.settings.powerWatch === false) return undefined;
  const watch = new PowerWatch(
    async (workflowId, r) => {
      await temporal.workflow.getHandle(workflowId).signal(powerDriftSignal, r);
    },
    { onReportError: (key, err) => deps.onError?.(`power report to ${key}`, err) },
  );
  watch.start(watchTickMs(deps.settings.powerSyncIntervalMs || DEFAULT_HOST_SETTINGS.powerSyncIntervalMs));
  if (deps.taskQueue) void askToRewatch(temporal, deps.taskQueue).catch((err: unknown) => deps.onError?.('asking idle hosts to register their power watch', err));
  return watch;
}

/** A quarter of the sync interval, within [MIN_WATCH_INTERVAL_MS / 4, MAX_WATCH_TICK_MS]. */
export function watchTickMs(syncMs: number): number {
  return Math.min(MAX_WATCH_TICK_MS, Math.max(MIN_WATCH_INTERVAL_MS / 4, syncMs / 4));
}

/** Idle hosts that are not watched: delayed ones wait for a provisioning slot, detached ones make no BMC calls. */
const UNWATCHED_STATUSES: readonly string[] = [OperationalStatus.Delayed, OperationalStatus.Detached];

/** The visibility query for the idle hosts of a task queue. */
export function idleHostsQuery(taskQueue: string): string {
  const notUnwatched = UNWATCHED_STATUSES.map((s) => ` AND ${SearchAttr.operationalStatus.name} != ${quote(s)}`).join('');
  return `WorkflowType = ${quote(HOST_WORKFLOW_TYPE)} AND ExecutionStatus = 'Running' AND TaskQueue = ${quote(taskQueue)} AND ${SearchAttr.state.name} IN (${WATCHED_STATES.map(quote).join(', ')})${notUnwatched}`;
}

/** The clock of askToRewatch's pacing (injected by tests). */
export interface RewatchClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const realClock: RewatchClock = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/**
 * Signals `rewatch` to every idle host of the task queue (one signal and one registration each,
 * per worker start), at most REWATCH_SIGNALS_PER_SECOND; returns how many were asked.
 */
export async function askToRewatch(temporal: Pick<Client, 'workflow'>, taskQueue: string, clock: RewatchClock = realClock): Promise<number> {
  let asked = 0;
  let batch: Promise<void>[] = [];
  const start = clock.now();
  for await (const wf of temporal.workflow.list({ query: idleHostsQuery(taskQueue) })) {
    const wait = start + (asked * 1000) / REWATCH_SIGNALS_PER_SECOND - clock.now();
    if (wait > 0) await clock.sleep(Math.ceil(wait));
    batch.push(temporal.workflow.getHandle(wf.workflowId).signal(powerDriftSignal, { kind: 'rewatch' }).catch(() => undefined)); // a host that just ended needs none
    asked += 1;
    if (batch.length >= REWATCH_CONCURRENCY) {
      await Promise.all(batch);
      batch = [];
    }
  }
  await Promise.all(batch);
  return asked;
}
