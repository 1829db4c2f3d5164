/**
 * bench/worker-start: how long the host worker takes from `node` spawn to "host worker started",
 * bundling the workflow code at start (what every start did before: here a fresh bundle path, so
 * the worker must build it) beside the prebuilt bundle scripts/setup.sh writes. A private Temporal
 * dev server; `--runs N` (default 3) starts of each, alternating.
 *   node --import tsx bench/worker-start.ts --runs 3
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startNodeWorker } from '../lab/processes.js';
import { startTemporalDevServer, temporalCli } from '../lab/temporal-dev-server.js';
import { workflowBundlePathFromEnv } from '../src/config/worker-settings.js';
import { createKeys } from '../src/secrets/key-store.js';
import { loadWorkflowBundle } from '../src/worker/workflow-bundle.js';
import { fmt, percentile } from './measure.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), 'metalflow-bench-start-'));
const keyDir = join(dir, 'keys');
createKeys(keyDir);
const prebuilt = (await loadWorkflowBundle(workflowBundlePathFromEnv())).codePath;
const server = await startTemporalDevServer({ cli: temporalCli(), dataDir: dir, namespace: 'metalflow-bench' });
const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, METALFLOW_DATA_DIR: dir, METALFLOW_SEAL_KEY_DIR: keyDir, METALFLOW_LOG_LEVEL: 'info' };

async function startOnce(label: string, bundle: string, i: number): Promise<number> {
  const started = performance.now();
  const w = await startNodeWorker('src/worker/main.ts', 'host worker started', join(dir, `${label}-${i}.log`), { ...env, METALFLOW_WORKFLOW_BUNDLE: bundle });
  const ms = performance.now() - started;
  await w.stop();
  return ms;
}

const atStart: number[] = [];
const once: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    atStart.push(await startOnce('bundle-at-start', join(dir, `fresh-${i}`, 'workflow-bundle.js'), i));
    once.push(await startOnce('prebuilt', prebuilt, i));
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
const row = (name: string, xs: number[]): string => `| ${name} | ${fmt(percentile(xs, 50) / 1000, 2)} | ${fmt(Math.max(...xs) / 1000, 2)} |`;
process.stdout.write(
  [
    `## host worker start (spawn to "host worker started"), ${runs} runs each, ${cpus().length} cores`,
    '',
    '| workflow code | p50 s | max s |',
    '|---|---|---|',
    row('bundled with webpack at start (before)', atStart),
    row('prebuilt bundle (scripts/setup.sh)', once),
    '',
  ].join('\n'),
);
