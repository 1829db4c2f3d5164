/**
 * Software RAID through the stock agent (IPA 13.0.0, unchanged) on a QEMU UEFI machine with two
 * virtio disks behind ipmi_sim, network-booted by our boot-services worker: a BareMetalHost with
 * `raid.softwareRAIDVolumes: [{level: "1"}]` (inspection disabled) → preparing boots the agent and
 * runs raid.delete_configuration, deploy.erase_devices_metadata, raid.create_configuration →
 * available with status.provisioning.raid → re-inspection: the agent's inventory lists /dev/md0
 * (about one disk's size) next to its two holder disks → provisioning writes the image onto
 * /dev/md0 and installs the bootloader (IPA mirrors the ESP onto both holders) → provisioned, both
 * disks carry the RAID member partitions → the machine boots the deployed OS from disk.
 * Serial consoles and logs are kept (path printed, tails shown) when the test fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp, portOf, readBody } from '../../../src/agent/http-server.js';
import { qemuLabHostManifest, startQemuLab, type QemuLab } from '../../../lab/qemu-lab.js';
import { useTestStack } from '../../helpers/stack.js';
import { stepper } from '../../helpers/e2e-step.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const NS = 'e2e-raid';
const NETWORK = `e2e-${Math.random().toString(36).slice(2, 8)}`;
const GIB = 2 ** 30;
const DISK_BYTES = 5 * GIB;
const dir = mkdtempSync(join(tmpdir(), 'metalflow-raid-e2e-'));
const stack = useTestStack({
  METALFLOW_POWER_STATE_TIMEOUT: '60s',
  METALFLOW_IPMI_MIN_INTERVAL: '1s',
  METALFLOW_BACKOFF_UNIT: '10s',
  METALFLOW_AGENT_CALLBACK_TIMEOUT: '15m',
});
let lab: QemuLab | undefined;
let phoneHome: Server | undefined;
const homeCalls: Array<{ path: string; body: string }> = [];
let failed = false;
const started = Date.now();
const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
const plain = (s: string): string => s.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '');
const note = (s: string): void => void process.stderr.write(`qemu-raid e2e [${elapsed()}]: ${plain(s)}\n`);
const step = stepper(note, () => {
  failed = true;
});

beforeAll(async () => {
  lab = await startQemuLab({ dir, temporalAddress: stack.address, workerEnv: stack.env(), network: NETWORK, bootEnv: { METALFLOW_AGENT_POLL: '2s' } });
  phoneHome = await listenHttp(async (req, res) => {
    homeCalls.push({ path: req.url ?? '', body: await readBody(req) });
    res.writeHead(200).end('ok');
  }, 0, lab.hostIp);
}, 30 * 60_000);

afterAll(async () => {
  await new Promise((r) => (phoneHome ? phoneHome.close(r) : r(undefined)));
  if (failed || process.env.KEEP_TEST_DIRS) {
    for (const m of lab?.machines ?? []) {
      const tail = m.vm.serial().split('\n').slice(-80).join('\n');
      process.stderr.write(`\n--- ${m.name} serial console (last 80 lines) ---\n${tail}\n`);
    }
  }
  await lab?.stop();
  if (failed || process.env.KEEP_TEST_DIRS) process.stderr.write(`qemu-raid e2e: serial consoles, BMC and worker logs kept in ${dir} and ${stack.dataDir}\n`);
  else removeTempDir(dir);
}, 120_000);

function partitions(file: string): Array<{ start: number; size: number; type: string; name?: string }> {
  const out = execFileSync('sfdisk', ['--json', file], { encoding: 'utf8' });
  return (JSON.parse(out) as { partitiontable: { partitions: Array<{ start: number; size: number; type: string; name?: string }> } }).partitiontable.partitions;
}

const bootWorkerLog = (): string => readFileSync(lab?.bootWorker.logFile ?? '', 'utf8');

describe('software RAID-1 on two disks through the stock agent', () => {
  it('preparing builds /dev/md0, the inventory shows it, the image is deployed onto it and boots', async () => {
    const name = 'raid';
    const mac = '52:54:00:e2:ea:01';
    const l = lab as QemuLab;
    const m = await l.addMachine(name, 'uefi', mac, { diskBytes: DISK_BYTES });
    const { vm, disks } = m;
    const userData = `#cloud-config
hostname: e2e-raid-node
phone_home:
  url: http://${l.hostIp}:${portOf(phoneHome as Server)}/booted/${name}
  post: [hostname]`;
    const raid = { softwareRAIDVolumes: [{ level: '1' }] };
    const manifest = (image?: 'qcow2'): string =>
      qemuLabHostManifest(l, m, { namespace: NS, bootMode: 'UEFI', userData, annotations: { 'inspect.metal3.io': 'disabled' }, ...(image ? { image } : {}), spec: { rootDeviceHints: undefined, raid } });
    const t0 = Date.now();
    await stack.client.apply([{ name: 'raid.yaml', text: manifest() }]);
    const available = await step('RAID configured in preparing → available', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available' || h.status.errorType !== '', 20 * 60_000, 2000));
    const tPrepared = Date.now();
    expect(available.status.errorMessage).toBe('');
    expect(available.status.provisioning.raid).toEqual(raid);
    const log = bootWorkerLog();
    note(`boot worker: ${log.split('\n').filter((x) => /execute_clean_step|raid/i.test(x)).slice(0, 10).join('\n')}`);
    // Both holders got a RAID member partition from IPA (create_raid_partition_tables).
    for (const d of disks) expect(partitions(d).length).toBeGreaterThanOrEqual(1);

    // The agent's inventory (a fresh boot: IPA assembles the arrays at start-up) lists the array.
    const inspected = await step('re-inspection sees /dev/md0', async () => {
      const r = await stack.metalflow(['inspect', '-n', NS, name]);
      expect(r.code).toBe(0);
      await stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'inspecting', 5 * 60_000, 1000);
      return stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available' || h.status.errorType !== '', 20 * 60_000, 2000);
    });
    const tInspected = Date.now();
    expect(inspected.status.errorMessage).toBe('');
    const storage = inspected.status.hardware?.storage ?? [];
    note(`inventory after RAID: ${storage.map((d) => `${d.name} ${(d.sizeBytes / GIB).toFixed(2)} GiB`).join(', ')}`);
    const md = storage.find((d) => /^\/dev\/md\d+$/.test(d.name));
    expect(md).toBeDefined();
    expect(md?.sizeBytes ?? 0).toBeGreaterThan(3 * GIB);
    expect(md?.sizeBytes ?? 0).toBeLessThan(DISK_BYTES);
    expect(storage.map((d) => d.serialNumber).filter(Boolean).sort()).toEqual(['MF-RAID-DISK-1', 'MF-RAID-DISK-2']);

    await stack.client.apply([{ name: 'raid.yaml', text: manifest('qcow2') }]);
    const provisioned = await step('provisioned onto the array', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'provisioned' || h.status.errorType !== '', 30 * 60_000, 2000));
    const tProvisioned = Date.now();
    expect(provisioned.status.errorMessage).toBe('');
    const worker = bootWorkerLog();
    note(`partitions: disk1 ${JSON.stringify(partitions(disks[0] ?? ''))}; disk2 ${JSON.stringify(partitions(disks[1] ?? ''))}`);
    note(`boot worker log lines naming the bootloader: ${worker.split('\n').filter((x) => x.includes('bootloader')).length}`);

    await step('the deployed OS booted from the array', async () => {
      const deadline = Date.now() + 10 * 60_000;
      while (!homeCalls.some((c) => c.path === `/booted/${name}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
      const lastBoot = vm.serial().split('=== metalflow lab: power on').pop() ?? '';
      note(`serial console of the deployed OS:\n${lastBoot.split('\n').filter((x) => x.includes('metalflow-test-os')).join('\n')}`);
      expect(lastBoot).toContain('metalflow-test-os: booted as e2e-raid-node');
    });
    expect(homeCalls.find((c) => c.path === `/booted/${name}`)?.body).toBe('hostname=e2e-raid-node');
    note(`raid wall times: prepare (RAID) ${Math.round((tPrepared - t0) / 1000)}s, re-inspect ${Math.round((tInspected - tPrepared) / 1000)}s, provision ${Math.round((tProvisioned - tInspected) / 1000)}s, boot ${Math.round((Date.now() - tProvisioned) / 1000)}s`);
  }, 90 * 60_000);
});
