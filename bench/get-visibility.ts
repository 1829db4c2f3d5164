/**
 * `get -A` over N hosts: the visibility read (search attributes + BmhView memo, no query) beside
 * the old read (one query per host, what `get` did before and `get -o yaml` still does), with the
 * host worker running and with it stopped. N hosts (fake driver) are brought to available on a
 * private Temporal dev server first.
 *
 *   node --import tsx bench/get-visibility.ts [--hosts 1000] [--repeat 5]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MetalflowClient } from '../src/client/metalflow-client.js';
import { TaskQueue } from '../src/contract/index.js';
import { createKeys, readPublicKey } from '../src/secrets/key-store.js';
import { Sealer } from '../src/secrets/sealer.js';
import { startNodeWorker, type WorkerProcess } from '../lab/processes.js';
import { startTemporalDevServer, temporalCli } from '../lab/temporal-dev-server.js';

const NS = 'bench-get';
const log = (m: string): void => void process.stderr.write(`[get-visibility] ${m}\n`);

/** Hosts per `apply` call: a smaller unit to retry when the loaded machine times a call out. */
const APPLY_BATCH = 100;

/** Fake-driver hosts [from, to) sharing one credentials Secret (no image: they settle in available). */
function manifest(from: number, to: number): string {
  const docs = [`apiVersion: v1
kind: Secret
metadata: {name: bmc, namespace: ${NS}}
stringData: {username: admin, password: benchPassword}`];
  for (let i = from; i < to; i++) {
    docs.push(`apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: host-${String(i).padStart(4, '0')}, namespace: ${NS}, labels: {rack: r${i % 10}}}
spec: {online: true, bmc: {address: "fake://host-${i}", credentialsName: bmc}}`);
  }
  return docs.join('\n---\n') + '\n';
}

/** Median wall time (ms) of `repeat` runs of `fn`, and what the last run returned. */
async function timed<T>(repeat: number, fn: () => Promise<T>): Promise<{ ms: number; last: T }> {
  const samples: number[] = [];
  let last!: T;
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    last = await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)] ?? 0, last };
}

/** Runs the CLI; returns how many of the bench's hosts it printed. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/metalflow.js', ...args], { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.split('\n').filter((l) => l.includes(NS)).length);
    });
  });
}

/**
 * The old read, capped so that a stopped worker cannot stall the bench. It runs on a connection of
 * its own that is never closed: queries still queued past the cap would otherwise hit a closed
 * channel, which the SDK's retry timer throws out of (the process ends with main).
 */
async function queried(server: { address: string; namespace: string }, capMs: number): Promise<number | string> {
  const client = await MetalflowClient.connect({ address: server.address, namespace: server.namespace }, undefined, TaskQueue.hosts);
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`> ${capMs / 1000} s`), capMs)));
  try {
    return await Promise.race([client.views().then((v) => v.length), cap]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { hosts: { type: 'string', default: '1000' }, repeat: { type: 'string', default: '5' }, 'settle-timeout': { type: 'string', default: '1800' } } });
  const hosts = Number(values.hosts);
  const repeat = Number(values.repeat);
  const dir = mkdtempSync(join(tmpdir(), 'metalflow-get-bench-'));
  const keyDir = join(dir, 'keys');
  createKeys(keyDir);
  const server = await startTemporalDevServer({ cli: temporalCli(), dataDir: dir, namespace: 'metalflow-get-bench' });
  // The fake driver's steps at 20 ms, and no provisioning limit in the way of bringing N hosts up.
  const stackEnv = { METALFLOW_DATA_DIR: dir, METALFLOW_SEAL_KEY_DIR: keyDir, METALFLOW_FAKE_STEP: '20ms', METALFLOW_PROVISIONING_LIMIT: String(hosts) };
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, ...stackEnv };
  let worker: WorkerProcess | undefined;
  let client: MetalflowClient | undefined;
  try {
    worker = await startNodeWorker('src/worker/main.ts', 'host worker started', join(dir, 'worker.log'), env);
    client = await MetalflowClient.connect({ address: server.address, namespace: server.namespace }, Sealer.fromPublicKey(readPublicKey(keyDir)), TaskQueue.hosts);
    const t0 = Date.now();
    for (let from = 0; from < hosts; from += APPLY_BATCH) {
      const text = manifest(from, Math.min(hosts, from + APPLY_BATCH));
      // apply is idempotent: a batch that failed under load is applied again once.
      await client.apply([{ name: 'bench.yaml', text }]).catch((err: unknown) => {
        log(`apply of hosts ${from}.. failed (${(err as Error).message}); again`);
        return client!.apply([{ name: 'bench.yaml', text }]);
      });
    }
    log(`applied ${hosts} hosts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const deadline = Date.now() + Number(values['settle-timeout']) * 1000;
    let available = 0;
    for (let last = -1; Date.now() < deadline; last = available) {
      available = (await client.list(NS)).filter((h) => h.state === 'available' && h.poweredOn).length;
      if (available !== last) log(`${available}/${hosts} available`);
      if (available === hosts) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    log(`up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const rows: string[][] = [];
    const measure = async (workerState: string): Promise<void> => {
      const lib = await timed(repeat, () => client!.list());
      rows.push([workerState, 'library list() (visibility, 0 queries)', `${lib.last.length}`, lib.ms.toFixed(0)]);
      const got = await timed(Math.min(repeat, 3), () => cli(['get', '-A'], env));
      rows.push([workerState, 'CLI `metalflow get -A` (process, incl. node start)', `${got.last}`, got.ms.toFixed(0)]);
      // The same process start (tsx loads the CLI) with no server call: what of the above is start-up.
      const start = await timed(Math.min(repeat, 3), () => cli(['version'], env));
      rows.push([workerState, 'CLI `metalflow version` (start-up only, no server)', '-', start.ms.toFixed(0)]);
      const old = await timed(1, () => queried(server, 60_000));
      rows.push([workerState, 'old read: 1 query per host (views(); get -o yaml)', String(old.last), old.ms.toFixed(0)]);
    };
    await measure('running');
    await worker.stop();
    worker = undefined;
    await measure('stopped');

    const widths = [8, 52, 8, 8];
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
    process.stdout.write(`\nget -A over ${hosts} hosts (${available} available), fake driver, private dev server, median of ${repeat} (CLI: of ${Math.min(repeat, 3)})\n`);
    process.stdout.write(`${line(['worker', 'read', 'hosts', 'ms'])}\n${rows.map(line).join('\n')}\n`);
  } catch (err) {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  } finally {
    await worker?.stop().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(); // the capped old read's queries may still be queued on their own connection
