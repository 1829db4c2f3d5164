/**
 * bench/lifecycle: N hosts (default 200) through register → inspect → clean + provision →
 * deprovision on the real Temporal dev server with the emulated Redfish lab, and (with --ironic)
 * the same lifecycle through OpenStack Ironic standalone in the same run. Prints hosts per
 * minute, p50/p95 orchestration overhead per phase (time not spent in simulated hardware
 * delays), history events and actions per host lifecycle, CPU seconds and peak RSS.
 *   npm run bench -- --hosts 200 --ironic
 *   npm run bench -- --hosts 30 --limit 5   (the provisioning limit; prints the max observed concurrency beside it)
 *   npm run bench -- --hosts 50 --sqlite-default   (the dev server on SQLite's default journal and sync, as before change 13)
 *   npm run bench -- --hosts 200 --ironic --driver fake   (like for like: our fake driver beside Ironic's fake-hardware, no hardware time on either side)
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { runIronic } from './ironic-run.js';
import { fmt, percentile } from './measure.js';
import { runMetalflow, type RunResult } from './metalflow-run.js';

function report(r: RunResult): string {
  const lines = [`## ${r.system}: ${r.hosts} hosts`, `wall ${fmt(r.wallSeconds)} s, ${fmt((r.hosts / r.wallSeconds) * 60)} hosts/min (whole lifecycle per host)`];
  lines.push('', '| phase | p50 total s | p95 total s | p50 overhead s | p95 overhead s |', '|---|---|---|---|---|');
  for (const phase of [...new Set(r.phases.map((p) => p.phase))]) {
    const of = r.phases.filter((p) => p.phase === phase);
    const s = (xs: number[], p: number): string => fmt(percentile(xs, p) / 1000, 2);
    lines.push(`| ${phase} | ${s(of.map((x) => x.totalMs), 50)} | ${s(of.map((x) => x.totalMs), 95)} | ${s(of.map((x) => x.overheadMs), 50)} | ${s(of.map((x) => x.overheadMs), 95)} |`);
  }
  if (r.hardwareSeconds?.length) {
    const hw = r.hardwareSeconds;
    lines.push('', `simulated hardware time per host lifecycle: p50 ${fmt(percentile(hw, 50))} s, max ${fmt(Math.max(...hw))} s (the max is a floor for the wall time: the hosts' hardware steps run in series)`);
  }
  if (r.historyEvents.length) {
    lines.push('', `history events per host lifecycle: p50 ${percentile(r.historyEvents, 50)}, max ${Math.max(...r.historyEvents)}; actions: p50 ${percentile(r.actions, 50)}, max ${Math.max(...r.actions)}`);
  }
  if (r.provisioning) {
    const { limit, maxConcurrent, semaphoreMaxHolders } = r.provisioning;
    lines.push('', `provisioning limit ${limit > 0 ? limit : 'none'}: max observed concurrency ${maxConcurrent} (inspect/provision/deprovision phase timestamps)${semaphoreMaxHolders !== undefined ? `, semaphore max holders ${semaphoreMaxHolders}` : ''}`);
  }
  lines.push('', '| process | CPU s | peak RSS MiB |', '|---|---|---|');
  for (const [name, u] of Object.entries(r.usage)) lines.push(`| ${name} | ${fmt(u.cpuSeconds)} | ${fmt(u.peakRssMiB, 0)} |`);
  lines.push('', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { hosts: { type: 'string', default: '200' }, ironic: { type: 'boolean', default: false }, only: { type: 'string' }, trace: { type: 'boolean', default: false }, histories: { type: 'string' }, 'worker-exec': { type: 'string' }, 'server-metrics': { type: 'string' }, limit: { type: 'string' }, 'sqlite-default': { type: 'boolean', default: false }, driver: { type: 'string', default: 'lab' } } });
  const driver = values.driver;
  if (driver !== 'lab' && driver !== 'fake') throw new Error(`--driver ${driver}: expected lab (sushy-tools and simulated agents) or fake (no hardware time, like Ironic's fake-hardware)`);
  const hosts = Number(values.hosts);
  if (!Number.isInteger(hosts) || hosts < 1) throw new Error(`--hosts ${values.hosts}: expected a positive whole number`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new Error(`--limit ${values.limit}: expected a whole number (0: no limit)`);
  // Each result is printed as soon as it is measured, so a failure in a later run loses nothing.
  process.stdout.write(`# bench/lifecycle — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n\n`);
  if (values.only !== 'ironic') process.stdout.write(`${report(await runMetalflow(hosts, { trace: values.trace, ...(limit !== undefined ? { limit } : {}), ...(values.histories ? { historyDir: values.histories } : {}), ...(values['worker-exec'] ? { workerExec: [values['worker-exec']] } : {}), ...(values['server-metrics'] ? { serverMetricsFile: values['server-metrics'] } : {}), sqliteDefault: values['sqlite-default'], driver }))}\n\n`);
  if (values.ironic || values.only === 'ironic') process.stdout.write(`${report(await runIronic(hosts))}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
