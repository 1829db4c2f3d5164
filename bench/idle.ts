/**
 * bench/idle: what an idle host costs in Temporal actions (as Temporal Cloud bills them,
 * history-actions.ts), the power watch beside the per-interval poll it replaces, in the same run:
 * a private dev server, two host workers (METALFLOW_POWER_WATCH on / off) on their own task
 * queues, N fake-driver hosts each, left available (idle) for a window. The sync interval is
 * shortened (and the safety poll with it, in the real 60 s : 1 h ratio) so a day's figure takes
 * minutes; actions are scaled back to the real 60 s interval. Then the power of a few hosts is
 * flipped behind the workflows' backs and the time until they enforce spec.online again is
 * printed in sync intervals.
 *   npm run bench:idle -- --hosts 20 --sync 1s --window 120s
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { parseDurationMs } from '../src/api/durations.js';
import type { FakeMachineState } from '../src/bmc/fake/fake-hardware.js';
import { MetalflowClient } from '../src/client/metalflow-client.js';
import { DEFAULT_HOST_SETTINGS, DEFAULT_POWER_SAFETY_POLL_MS, HOST_WORKFLOW_TYPE, hostWorkflowId } from '../src/contract/index.js';
import { startNodeWorker, type WorkerProcess } from '../lab/processes.js';
import { labHosts, labManifest } from '../lab/lab-manifest.js';
import { startTemporalDevServer, temporalCli } from '../lab/temporal-dev-server.js';
import { createKeys, readPublicKey } from '../src/secrets/key-store.js';
import { Sealer } from '../src/secrets/sealer.js';
import { countActions } from './history-actions.js';
import { fmt, percentile } from './measure.js';

const log = (m: string): void => void process.stderr.write(`[idle] ${m}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const REAL_SYNC_MS = DEFAULT_HOST_SETTINGS.powerSyncIntervalMs;
const HOURS_PER_MONTH = 730;

interface Mode {
  label: string;
  watch: boolean;
  namespace: string;
  taskQueue: string;
  worker?: WorkerProcess;
  client?: MetalflowClient;
  hosts: string[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { hosts: { type: 'string', default: '20' }, sync: { type: 'string', default: '1s' }, window: { type: 'string', default: '120s' }, flips: { type: 'string', default: '5' } } });
  const hosts = Number(values.hosts);
  const syncMs = parseDurationMs(values.sync);
  const windowMs = parseDurationMs(values.window);
  const flips = Math.min(hosts, Number(values.flips));
  if (!Number.isInteger(hosts) || hosts < 1) throw new Error(`--hosts ${values.hosts}: expected a positive whole number`);
  const scale = REAL_SYNC_MS / syncMs; // one bench ms stands for `scale` real ms
  const safetyMs = Math.max(1, Math.round(DEFAULT_POWER_SAFETY_POLL_MS / scale));
  process.stdout.write(`# bench/idle — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n\n`);
  process.stdout.write(`${hosts} idle hosts per mode (fake driver, available, online), sync interval ${syncMs} ms (real: ${REAL_SYNC_MS / 1000} s), safety poll ${safetyMs} ms (real: ${DEFAULT_POWER_SAFETY_POLL_MS / 60_000} min), window ${windowMs / 1000} s = ${fmt((windowMs * scale) / 3_600_000, 2)} real hours\n\n`);

  const dir = mkdtempSync(join(tmpdir(), 'metalflow-idle-'));
  const keyDir = join(dir, 'keys');
  createKeys(keyDir);
  const server = await startTemporalDevServer({ cli: temporalCli(), dataDir: dir, namespace: 'metalflow-idle' });
  const modes: Mode[] = [
    { label: 'power watch (signal on drift, safety poll)', watch: true, namespace: 'idle-watch', taskQueue: 'metalflow-idle-watch', hosts: [] },
    { label: 'per-interval poll (before; METALFLOW_POWER_WATCH=false)', watch: false, namespace: 'idle-poll', taskQueue: 'metalflow-idle-poll', hosts: [] },
  ];
  const connection = await Connection.connect({ address: server.address });
  const temporal = new Client({ connection, namespace: server.namespace });
  try {
    for (const m of modes) {
      m.worker = await startNodeWorker('src/worker/main.ts', 'host worker started', join(dir, `${m.namespace}.log`), {
        ...process.env,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: server.namespace,
        METALFLOW_DATA_DIR: dir,
        METALFLOW_SEAL_KEY_DIR: keyDir,
        METALFLOW_TASK_QUEUE: m.taskQueue,
        METALFLOW_LOG_LEVEL: 'info', // the ready line is at info
        METALFLOW_FAKE_STEP: '100ms',
        METALFLOW_PROVISIONING_LIMIT: String(hosts),
        METALFLOW_POWER_SYNC_INTERVAL: `${syncMs}ms`,
        METALFLOW_POWER_SAFETY_POLL_INTERVAL: `${safetyMs}ms`,
        METALFLOW_POWER_WATCH: String(m.watch),
      });
      m.client = await MetalflowClient.connect({ address: server.address, namespace: server.namespace }, Sealer.fromPublicKey(readPublicKey(keyDir)), m.taskQueue);
      const lab = labHosts(hosts, { kind: 'fake' });
      m.hosts = lab.map((h) => h.name);
      await m.client.apply([{ name: `${m.namespace}.yaml`, text: labManifest(lab, m.namespace, 'IdleBenchPassword', () => false, 'inspect=100ms') }]);
    }
    for (const m of modes) {
      for (;;) {
        const { count } = await temporal.workflow.count(`WorkflowType = '${HOST_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND BmhNamespace = '${m.namespace}' AND BmhState = 'available' AND BmhErrorType = 'none'`);
        if (count === hosts) break;
        await sleep(1000);
      }
      log(`${m.namespace}: ${hosts} available`);
    }
    await sleep(Math.max(3 * syncMs, 2000)); // first watch registrations settle

    // Actions per host over the window (runs that continued as new counted across the runs).
    const before = new Map<string, { runId: string; actions: number }>();
    const snapshot = async (m: Mode, name: string): Promise<{ runId: string; actions: number }> => {
      const h = temporal.workflow.getHandle(hostWorkflowId(m.namespace, name));
      const { runId } = await h.describe();
      const history = await temporal.workflow.getHandle(h.workflowId, runId).fetchHistory();
      return { runId, actions: countActions(history.events ?? []) };
    };
    for (const m of modes) for (const name of m.hosts) before.set(`${m.namespace}/${name}`, await snapshot(m, name));
    const t0 = Date.now();
    log(`window of ${windowMs / 1000} s`);
    await sleep(windowMs);
    const elapsed = Date.now() - t0;
    const perHost = new Map<Mode, number[]>();
    for (const m of modes) {
      const xs: number[] = [];
      for (const name of m.hosts) {
        const b = before.get(`${m.namespace}/${name}`)!;
        const a = await snapshot(m, name);
        let n = a.actions - b.actions;
        if (a.runId !== b.runId) {
          const old = await temporal.workflow.getHandle(hostWorkflowId(m.namespace, name), b.runId).fetchHistory();
          n = countActions(old.events ?? []) - b.actions + a.actions; // a run in between would be missed: windows are short
        }
        xs.push(n);
      }
      perHost.set(m, xs);
    }

    const realHours = (elapsed * scale) / 3_600_000;
    const lines = ['| mode | actions per idle host per hour | per day | per month (730 h) | 1000 hosts per month | p50 / max actions per host in window |', '|---|---|---|---|---|---|'];
    for (const m of modes) {
      const xs = perHost.get(m) ?? [];
      const mean = xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
      const hourly = mean / realHours;
      lines.push(`| ${m.label} | ${fmt(hourly, 1)} | ${fmt(hourly * 24, 0)} | ${fmt(hourly * HOURS_PER_MONTH, 0)} | ${fmt(hourly * HOURS_PER_MONTH * 1000, 0)} | ${percentile(xs, 50)} / ${Math.max(...xs)} |`);
    }
    const oldHourly = 2 * (3_600_000 / REAL_SYNC_MS);
    lines.push(`| per-interval poll, by reading (a timer + an activity per 60 s) | ${fmt(oldHourly, 0)} | ${fmt(oldHourly * 24, 0)} | ${fmt(oldHourly * HOURS_PER_MONTH, 0)} | ${fmt(oldHourly * HOURS_PER_MONTH * 1000, 0)} | |`);
    process.stdout.write(`${lines.join('\n')}\n\n`);

    // Drift: power flipped off behind the workflows' backs; time until each host powered itself on again.
    // Each mode alone: the other mode's worker is stopped first (the poll mode's own traffic would
    // otherwise slow the watch mode's workflow tasks on the shared server, and not the reverse).
    const dlines = ['| mode | hosts flipped | p50 detection+enforcement, sync intervals | max |', '|---|---|---|---|'];
    for (const m of [...modes].reverse()) {
      if (m.watch) for (const other of modes) if (other !== m) await other.worker?.stop(); // the poll mode measured first, the watch mode alone
      const flipped = m.hosts.slice(0, flips);
      const file = (name: string): string => join(dir, 'fake-hardware', `${m.namespace}_${name}.json`);
      const read = (name: string): FakeMachineState => JSON.parse(readFileSync(file(name), 'utf8')) as FakeMachineState;
      const start = Date.now();
      for (const name of flipped) writeFileSync(file(name), JSON.stringify({ ...read(name), poweredOn: false }));
      const took: number[] = [];
      const pending = new Set(flipped);
      while (pending.size > 0 && Date.now() - start < 60 * syncMs + 30_000) {
        for (const name of [...pending]) {
          let on = false;
          try {
            on = read(name).poweredOn;
          } catch {
            // the fake was writing the file: read again on the next round
          }
          if (on) {
            took.push((Date.now() - start) / syncMs);
            pending.delete(name);
          }
        }
        await sleep(Math.max(10, syncMs / 20));
      }
      dlines.push(`| ${m.label} | ${flipped.length} | ${took.length ? fmt(percentile(took, 50), 2) : '-'} | ${took.length === flipped.length ? fmt(Math.max(...took), 2) : `${pending.size} not seen`} |`);
    }
    process.stdout.write(`${dlines.join('\n')}\n\n`);
    process.stdout.write(`- both modes in one run on one dev server; under load from other processes the poll mode runs fewer cycles than its interval asks (the "by reading" row is its nominal cost)\n`);
  } finally {
    for (const m of modes) {
      await m.client?.close().catch(() => undefined);
      await m.worker?.stop().catch(() => undefined);
    }
    await connection.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/idle: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
