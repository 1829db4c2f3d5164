/**
 * The workers' /metrics, /healthz and /readyz checked by the real Prometheus tools (Debian's
 * `prometheus` package): promtool lints a real scrape of the host worker, and a real Prometheus
 * (loopback, its own temporary directory, stopped and removed afterwards) scrapes it and answers a
 * query with our BMO-named series and the Temporal SDK's own. The boot-services worker serves the
 * same endpoints.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startProcess, type LabProcess } from '../../../lab/processes.js';
import { deleteSignal } from '../../../src/contract/index.js';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-metrics';
const stack = useTestStack({ METALFLOW_METRICS_PORT: '0' });

/**
 * The listener's URL from a worker's start-up line (`"metrics":"http://127.0.0.1:<port>"`), once
 * the log file has it (the ready line is seen on the pipe before the file write lands).
 */
async function metricsUrl(log: () => string): Promise<string> {
  const find = (): string | undefined => /"metrics":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(log())?.[1];
  await expect.poll(find, { timeout: 10_000, interval: 100 }).toBeDefined();
  return find() ?? '';
}

function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const p = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }));
    p.stdin?.end(text);
  });
}

describe('worker metrics and health', () => {
  it('serves BMO-named host metrics and the SDK metrics that promtool accepts, and /healthz, /readyz', async () => {
    const base = await metricsUrl(() => stack.workerLogs());
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await stack.client.apply([{ name: 'm.yaml', text: fakeHostsManifest(NS, [{ name: 'm0' }]) }]);
    await stack.client.waitFor(NS, 'm0', (h) => h.status.provisioning.state === 'available', 60_000);

    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('metal3_provisioning_state_change_total{prev_state="registering",new_state="inspecting"} 1');
    expect(text).toMatch(/^metal3_reconcile_total\{namespace="it-metrics",host="m0"\} \d+$/m);
    expect(text).toMatch(/^metal3_operation_register_duration_seconds_count\{namespace="it-metrics",host="m0"\} 1$/m);
    expect(text).toMatch(/^metalflow_step_duration_seconds_bucket\{step="registerHost",outcome="ok",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^# TYPE temporal_\w+ counter$/m); // the SDK core's own
    const lint = await promtoolCheck(text);
    expect(lint.output).toBe('');
    expect(lint.code).toBe(0);
  });

  it("drops a host's series once it is deleted", async () => {
    const base = await metricsUrl(() => stack.workerLogs());
    await stack.client.apply([{ name: 'g.yaml', text: fakeHostsManifest(NS, [{ name: 'gone' }]) }]);
    await stack.client.waitFor(NS, 'gone', (h) => h.status.provisioning.state === 'available', 60_000);
    const series = async (): Promise<string[]> => (await (await fetch(`${base}/metrics`)).text()).split('\n').filter((l) => l.includes('host="gone"'));
    expect(await series()).not.toHaveLength(0);
    await stack.client.signal(NS, 'gone', deleteSignal);
    await stack.client.waitDeleted(NS, 'gone', 60_000);
    // The sink runs once the worker has completed the activation: the client may see completion first.
    await expect.poll(series, { timeout: 10_000, interval: 100 }).toEqual([]);
  });

  it('is scraped by a real Prometheus that answers a query with our series', async () => {
    const base = await metricsUrl(() => stack.workerLogs());
    const dir = join(stack.dataDir, 'prometheus');
    mkdirSync(dir);
    const port = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: metalflow\n    static_configs: [{ targets: ['${new URL(base).host}'] }]\n`,
    );
    let prom: LabProcess | undefined;
    try {
      prom = startProcess('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], join(dir, 'prometheus.log'));
      const query = async (q: string): Promise<Array<{ metric: Record<string, string> }>> => {
        const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => undefined);
        if (!r?.ok) return [];
        return ((await r.json()) as { data: { result: Array<{ metric: Record<string, string> }> } }).data.result;
      };
      await expect.poll(() => query('metal3_provisioning_state_change_total{new_state="available"}'), { timeout: 60_000, interval: 500 }).toHaveLength(1);
      expect((await query('up{job="metalflow"}')).length).toBe(1);
      expect((await query('{__name__=~"temporal_.+"}')).length).toBeGreaterThan(0);
    } finally {
      await prom?.stop();
    }
  });

  it('serves the same endpoints on the boot-services worker', async () => {
    const apiPort = await freePort();
    const w = await stack.startWorker('src/worker/boot-main.ts', 'boot services worker started', { METALFLOW_AGENT_API_HOST: '127.0.0.1', METALFLOW_AGENT_API_PORT: String(apiPort), METALFLOW_PROVISIONING_NETWORK: 'metrics-net' });
    const base = await metricsUrl(() => readFileSync(w.logFile, 'utf8'));
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^# TYPE temporal_\w+ counter$/m);
    expect((await promtoolCheck(text)).code).toBe(0);
    await w.stop();
  });
});
