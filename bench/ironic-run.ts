/**
 * The same N-host lifecycle through OpenStack Ironic standalone (PyPI `ironic`, all-in-one
 * `ironic` process, SQLite, noauth, rpc_transport=none, `fake-hardware` with fake interfaces, so
 * no hardware time at all). The benchmark plays BMO: for every node at once it asks for each
 * transition when the previous one is done (enroll → manage → inspect → provide (automated
 * cleaning) → active → deleted (cleaning) → available). Phase times come from the node's
 * provision_updated_at, so the polling interval does not inflate them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent, request } from 'undici';
import { freePort, startProcess, waitReady } from '../lab/processes.js';
import { treeUsage } from './measure.js';
import type { PhaseSample, RunResult } from './metalflow-run.js';

const log = (m: string): void => void process.stderr.write(`[ironic] ${m}\n`);
/** Between two reads of a node's state (BMO requeues every 10 s; 1 s saturated Ironic with 200 nodes). */
const POLL_MS = 3000;
const HEADERS = { 'content-type': 'application/json', 'x-openstack-ironic-api-version': 'latest' };

export async function runIronic(hosts: number): Promise<RunResult> {
  execFileSync('bash', ['scripts/setup-ironic.sh'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const venv = resolve('.tools/ironic/bin');
  const version = execFileSync(join(venv, 'python'), ['-c', 'import importlib.metadata as m; print(m.version("ironic"))'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'ironic-bench-'));
  const port = await freePort();
  const conf = join(dir, 'ironic.conf');
  const fake = ['bios', 'boot', 'deploy', 'inspect', 'management', 'power', 'raid', 'vendor'].map((i) => `enabled_${i}_interfaces = fake`).join('\n');
  writeFileSync(
    conf,
    `[DEFAULT]
auth_strategy = noauth
rpc_transport = none
host = bench
enabled_hardware_types = fake-hardware
${fake}
enabled_console_interfaces = no-console
enabled_network_interfaces = noop
enabled_rescue_interfaces = no-rescue
enabled_firmware_interfaces = no-firmware
default_network_interface = noop
use_stderr = true
log_file = ${join(dir, 'ironic.log')}
[api]
host_ip = 127.0.0.1
port = ${port}
[conductor]
automated_clean = true
[database]
connection = sqlite:///${join(dir, 'ironic.sqlite')}
[dhcp]
dhcp_provider = none
[oslo_concurrency]
lock_path = ${join(dir, 'locks')}
`,
  );
  execFileSync(join(venv, 'ironic-dbsync'), ['--config-file', conf, 'create_schema'], { stdio: ['ignore', 'ignore', 'pipe'] }); // its output is the error on failure
  const proc = startProcess(join(venv, 'ironic'), ['--config-file', conf], join(dir, 'ironic-stdout.log'));
  const api = `http://127.0.0.1:${port}`;
  const http = new Agent({ connections: 64 });
  const call = async <T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown): Promise<T> => {
    const res = await request(`${api}${path}`, { method, headers: HEADERS, dispatcher: http, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  try {
    await waitReady('ironic', proc, async () => (await request(`${api}/v1`, { dispatcher: http })).statusCode === 200, 120_000);
    log(`Ironic ${version} (standalone, sqlite, noauth, fake-hardware) on ${api}, ready ${new Date().toISOString()}`);
    const t0 = Date.now();
    const phases: PhaseSample[] = [];
    let retries503 = 0;
    let registered = 0;
    let finished = 0;
    await Promise.all(
      Array.from({ length: hosts }, async (_, i) => {
        const node = await call<{ uuid: string }>('POST', '/v1/nodes', { name: `bench-${i}`, driver: 'fake-hardware' });
        const transition = async (target: string, done: string, phase?: string): Promise<void> => {
          const start = Date.now();
          // Ironic answers 503 when its concurrent deploy/clean limits are reached; BMO retries later.
          for (;;) {
            try {
              await call('PUT', `/v1/nodes/${node.uuid}/states/provision`, { target });
              break;
            } catch (err) {
              if (!String(err).includes(': 503 ')) throw err;
              retries503++;
              await new Promise((r) => setTimeout(r, 1000));
            }
          }
          for (;;) {
            await new Promise((r) => setTimeout(r, POLL_MS));
            const n = await call<{ provision_state: string; provision_updated_at: string; last_error: string | null }>('GET', `/v1/nodes/${node.uuid}?fields=provision_state,provision_updated_at,last_error`);
            if (n.provision_state === done) {
              const ms = Date.parse(n.provision_updated_at) - start;
              if (phase) phases.push({ phase, totalMs: ms, overheadMs: ms });
              return;
            }
            if (/fail/.test(n.provision_state)) throw new Error(`node ${node.uuid} ${target}: ${n.provision_state}: ${n.last_error ?? ''}`);
          }
        };
        await transition('manage', 'manageable', 'register');
        if (++registered % 50 === 0) log(`${registered}/${hosts} manageable`);
        await transition('inspect', 'manageable', 'inspect');
        await transition('provide', 'available', 'clean (provide)');
        await call('PATCH', `/v1/nodes/${node.uuid}`, [{ op: 'add', path: '/instance_info/image_source', value: 'http://images.bench.invalid/os.qcow2' }]);
        await transition('active', 'active', 'deploy');
        await transition('deleted', 'available', 'deprovision');
        if (++finished % 50 === 0) log(`${finished}/${hosts} through the whole lifecycle (${new Date().toISOString()})`);
      }),
    );
    const wallSeconds = (Date.now() - t0) / 1000;
    const usage = { 'ironic (API + conductor)': treeUsage(proc.proc.pid ?? 0) };
    return {
      system: `Ironic ${version}`,
      hosts,
      wallSeconds,
      phases,
      historyEvents: [],
      actions: [],
      usage,
      notes: [
        `standalone all-in-one \`ironic\`, SQLite, noauth, rpc_transport none, fake-hardware (no hardware time); the benchmark polls each node every ${POLL_MS / 1000} s (phase times come from provision_updated_at, so polling only stretches the wall time)`,
        `${retries503} requests refused with 503 (Ironic's concurrent deploy/clean limits) and retried after 1 s; a phase's time starts at its first request`,
      ],
    };
  } finally {
    await proc.stop();
    await http.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
