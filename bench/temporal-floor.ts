/**
 * bench/temporal-floor: what the fixed shape costs before metalflow does anything. N workflows,
 * all at once, each running a host lifecycle's count of activities (no-ops) and search-attribute
 * upserts on the same dev server configuration and worker tuning as `npm run bench`. Their CPU
 * per workflow (dev server + worker) is the least any host-per-workflow design spends per
 * lifecycle on this machine: compare it with Ironic's CPU per host from bench/lifecycle.ts.
 *   node --import tsx bench/temporal-floor.ts --workflows 200 --activities 20 --upserts 11
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { startNodeWorker } from '../lab/processes.js';
import { DEV_SERVER_SQLITE_PRAGMAS, startTemporalDevServer, temporalCli } from '../lab/temporal-dev-server.js';
import { countActions } from './history-actions.js';
import { fmt, treeUsage } from './measure.js';
import { mapBounded } from '../src/tools/concurrency-limit.js';

const log = (m: string): void => void process.stderr.write(`[floor] ${m}\n`);
const TASK_QUEUE = 'floor';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { workflows: { type: 'string', default: '200' }, activities: { type: 'string', default: '20' }, upserts: { type: 'string', default: '11' } } });
  const n = Number(values.workflows);
  const activities = Number(values.activities);
  const upserts = Number(values.upserts);
  for (const [k, v] of Object.entries({ workflows: n, activities, upserts })) if (!Number.isInteger(v) || v < 0) throw new Error(`--${k}: expected a whole number`);
  if (n < 1) throw new Error(`--workflows ${n}: expected at least 1`);
  // The workflow upserts at most once per activity: more would be silently left out of the figure.
  if (upserts > activities) throw new Error(`--upserts ${upserts}: expected at most --activities (${activities})`);
  process.stdout.write(`# bench/temporal-floor — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n\n`);
  const dir = mkdtempSync(join(tmpdir(), 'metalflow-floor-'));
  const namespace = 'metalflow-floor';
  const server = await startTemporalDevServer({ cli: temporalCli(), dataDir: dir, namespace, sqlitePragmas: DEV_SERVER_SQLITE_PRAGMAS });
  const stops: Array<() => Promise<void>> = [() => server.stop()];
  try {
    const worker = await startNodeWorker('bench/floor/floor-worker.ts', 'floor worker started', join(dir, 'worker.log'), { ...process.env, FLOOR_ADDRESS: server.address, FLOOR_NAMESPACE: namespace, FLOOR_TASK_QUEUE: TASK_QUEUE });
    stops.unshift(() => worker.stop());
    const connection = await Connection.connect({ address: server.address });
    stops.unshift(() => connection.close());
    const client = new Client({ connection, namespace });
    const before = { server: treeUsage(server.proc.pid ?? 0).cpuSeconds, worker: treeUsage(worker.proc.pid ?? 0).cpuSeconds };
    const t0 = Date.now();
    log(`${n} workflows × ${activities} activities, ${upserts} upserts`);
    const ids = Array.from({ length: n }, (_, i) => `floor-${i}`);
    const handles = await mapBounded(ids, 32, (id) => client.workflow.start('floorLifecycle', { taskQueue: TASK_QUEUE, workflowId: id, args: [{ activities, upserts }] }));
    await Promise.all(handles.map((h) => h.result()));
    const wall = (Date.now() - t0) / 1000;
    const after = { server: treeUsage(server.proc.pid ?? 0), worker: treeUsage(worker.proc.pid ?? 0) };
    const history = (await handles[0]?.fetchHistory())?.events ?? [];
    const serverCpu = after.server.cpuSeconds - before.server;
    const workerCpu = after.worker.cpuSeconds - before.worker;
    process.stdout.write(
      [
        `${n} workflows at once, each ${activities} no-op activities in series and ${upserts} upserts: ${history.length} events, ${countActions(history)} actions per workflow`,
        `wall ${fmt(wall)} s`,
        '',
        '| process | CPU s | CPU s per workflow | peak RSS MiB |',
        '|---|---|---|---|',
        `| Temporal dev server | ${fmt(serverCpu)} | ${fmt(serverCpu / n, 3)} | ${fmt(after.server.peakRssMiB, 0)} |`,
        `| worker (no-op activities) | ${fmt(workerCpu)} | ${fmt(workerCpu / n, 3)} | ${fmt(after.worker.peakRssMiB, 0)} |`,
        `| both | ${fmt(serverCpu + workerCpu)} | ${fmt((serverCpu + workerCpu) / n, 3)} | |`,
        '',
        `- dev server: SQLite with ${DEV_SERVER_SQLITE_PRAGMAS.join(', ')}; worker: the host worker's tuning; CPU counted from the first start (worker start-up and bundling excluded)`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
