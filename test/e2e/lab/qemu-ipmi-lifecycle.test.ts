/**
 * The metal3-dev-env experience on one machine: QEMU virtual machines (real firmware, real NIC boot
 * ROM, two virtio disks with distinct serials) on a private bridge, powered by OpenIPMI's ipmi_sim
 * (the host workflow drives it with ipmitool), network-booted by our boot-services worker (DHCP,
 * TFTP, HTTP, agent API) into the stock Ironic Python Agent ramdisk (scripts/build-ipa-ramdisk.sh).
 *  - UEFI (OVMF): registering → inspecting (both disks and the MAC in the agent's inventory) →
 *    available → provisioning (cleaning wipes a partition table planted on disk 1, the image lands
 *    on disk 2, chosen by rootDeviceHints.serialNumber) → provisioned → the machine boots disk 2
 *    and reports the hostname from userData (serial console and phone_home) → deprovision →
 *    cleaning → available, disk 2's partition table gone.
 *  - legacy BIOS (SeaBIOS, QEMU's iPXE ROM): the agent boots, sends its first heartbeat and
 *    streams the raw image.
 *  - software RAID (UEFI, inspection disabled): `raid.softwareRAIDVolumes: [{level: "1"}]` →
 *    preparing boots the agent and runs raid.delete_configuration, deploy.erase_devices_metadata,
 *    raid.create_configuration → available with status.provisioning.raid → re-inspection: the
 *    agent's inventory lists /dev/md0 (about one disk's size) next to its holders → provisioning
 *    writes the image onto /dev/md0 and installs the bootloader (IPA mirrors the ESP onto both
 *    holders) → the deployed OS boots, assembles md0 and reads its config drive there.
 * The lab (lab/qemu-lab.ts) serves a provisioning network of this test's own (`e2e-…`, the
 * hosts' metalflow.io/provisioning-network annotation); the deployed OS phones home to this
 * machine's address on the lab bridge.
 * Serial consoles and logs are kept (path printed, tails shown) when a test fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, readSync, closeSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp, portOf, readBody } from '../../../src/agent/http-server.js';
import { qemuLabHostManifest, startQemuLab, type QemuLab } from '../../../lab/qemu-lab.js';
import { useTestStack } from '../../helpers/stack.js';
import { stepper } from '../../helpers/e2e-step.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const NS = 'e2e-qemu';
/** A provisioning network of this test's own: its boot worker serves only hosts annotated with it. */
const NETWORK = `e2e-${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'metalflow-qemu-e2e-'));
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
const note = (s: string): void => void process.stderr.write(`qemu-ipmi e2e [${elapsed()}]: ${plain(s)}\n`);

beforeAll(async () => {
  // The images are cached by `npm test` before the suite; built here only if that was skipped.
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
      const tail = m.vm.serial().split('\n').slice(-60).join('\n');
      process.stderr.write(`\n--- ${m.name} serial console (last 60 lines) ---\n${tail}\n`);
    }
  }
  await lab?.stop();
  if (failed || process.env.KEEP_TEST_DIRS) process.stderr.write(`qemu-ipmi e2e: serial consoles, BMC and worker logs kept in ${dir} and ${stack.dataDir}\n`);
  else removeTempDir(dir);
}, 120_000);

const bootWorkerLog = (): string => readFileSync(lab?.bootWorker.logFile ?? '', 'utf8');

/** The first sectors of a disk: an MBR signature or a GPT header means a partition table. */
function partitionTable(file: string): { mbr: boolean; gpt: boolean } {
  const buf = Buffer.alloc(1024);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, 1024, 0);
  } finally {
    closeSync(fd);
  }
  return { mbr: buf[510] === 0x55 && buf[511] === 0xaa, gpt: buf.subarray(512, 520).toString('latin1') === 'EFI PART' };
}

function partitions(file: string): Array<{ start: number; type: string }> {
  const out = execFileSync('sfdisk', ['--json', file], { encoding: 'utf8' });
  return (JSON.parse(out) as { partitiontable: { partitions: Array<{ start: number; type: string }> } }).partitiontable.partitions;
}

const GIB = 2 ** 30;
const RAID_DISK_BYTES = 5 * GIB;

const step = stepper(note, () => {
  failed = true;
});

describe('a QEMU machine behind ipmi_sim, provisioned by PXE through the stock agent', () => {
  it('UEFI: inspect → available → provision onto disk 2 by serial → boots with the userData hostname → deprovision → available', async () => {
    const name = 'uefi';
    const mac = '52:54:00:e2:e0:01';
    const l = lab as QemuLab;
    const m = await l.addMachine(name, 'uefi', mac);
    const { bmc, vm, disks } = m;
    const [disk1 = '', disk2 = ''] = disks;
    // An old partition table on disk 1 that cleaning must wipe.
    execFileSync('sfdisk', ['-q', disk1], { input: 'label: gpt\nstart=2048, size=204800, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="old-data"\n' });
    expect(partitionTable(disk1).gpt).toBe(true);
    const userData = `#cloud-config
hostname: e2e-uefi-node
phone_home:
  url: http://${l.hostIp}:${portOf(phoneHome as Server)}/booted/${name}
  post: [hostname]`;
    const t0 = Date.now();
    await stack.client.apply([{ name: 'uefi.yaml', text: qemuLabHostManifest(l, m, { namespace: NS, bootMode: 'UEFI', userData }) }]);
    const available = await step('uefi available (inspected)', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available', 20 * 60_000, 2000));
    const tInspected = Date.now();
    expect(available.status.errorType).toBe('');
    expect(available.status.hardware?.nics?.map((n) => n.mac)).toContain(mac);
    expect(available.status.hardware?.storage?.map((d) => d.serialNumber).sort()).toEqual(['MF-UEFI-DISK-1', 'MF-UEFI-DISK-2']);
    expect(vm.running()).toBe(false); // powered off after inspection, as Ironic does

    await stack.client.apply([{ name: 'uefi.yaml', text: qemuLabHostManifest(l, m, { namespace: NS, bootMode: 'UEFI', userData, image: 'qcow2' }) }]);
    const provisioned = await step('uefi provisioned', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'provisioned', 30 * 60_000, 2000));
    const tProvisioned = Date.now();
    expect(provisioned.status.errorType).toBe('');
    expect(provisioned.status.provisioning.rootDeviceHints).toEqual({ serialNumber: 'MF-UEFI-DISK-2' });
    // Cleaning wiped disk 1; the image (GPT + our ESP at sector 2048) and a config drive are on disk 2.
    expect(partitionTable(disk1)).toEqual({ mbr: false, gpt: false });
    const parts = partitions(disk2);
    expect(parts[0]).toMatchObject({ start: 2048, type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B' });
    expect(parts.length).toBeGreaterThanOrEqual(2); // + the config drive partition IPA made

    // The deployed OS boots from disk 2 and reports the hostname userData gave it.
    await step('uefi deployed OS phoned home', async () => {
      const deadline = Date.now() + 10 * 60_000;
      while (!homeCalls.some((c) => c.path === `/booted/${name}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    });
    const tBooted = Date.now();
    expect(homeCalls.find((c) => c.path === `/booted/${name}`)?.body).toBe('hostname=e2e-uefi-node');
    const lastBoot = vm.serial().split('=== metalflow lab: power on').pop() ?? '';
    expect(lastBoot).toContain('next boot device: default');
    expect(lastBoot).toContain('metalflow-test-os: booted as e2e-uefi-node');
    const described = await stack.metalflow(['describe', '-n', NS, name]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/provisioned/);
    writeFileSync(join(stack.dataDir, 'describe-uefi.txt'), described.stdout);
    note(`metalflow describe:\n${described.stdout}`);
    note(`serial console of the deployed OS:\n${lastBoot.split('\n').filter((l) => l.includes('metalflow-test-os')).join('\n')}`);

    const dep = await stack.metalflow(['deprovision', '-n', NS, name]);
    expect(dep.code).toBe(0);
    const back = await step('uefi deprovisioned → available', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available', 30 * 60_000, 2000));
    const tAvailable = Date.now();
    expect(back.status.errorType).toBe('');
    expect(partitionTable(disk2)).toEqual({ mbr: false, gpt: false });
    expect(vm.running()).toBe(false);
    // ipmi_sim saw the workflow's boot-device changes: network for every agent boot, disk after deploy.
    expect(bmc.machine().events.filter((e) => e.startsWith('boot '))).toEqual(expect.arrayContaining(['boot pxe', 'boot default']));
    note(`uefi wall times: inspect ${Math.round((tInspected - t0) / 1000)}s, provision ${Math.round((tProvisioned - tInspected) / 1000)}s, first boot of the deployed OS ${Math.round((tBooted - tProvisioned) / 1000)}s, deprovision ${Math.round((tAvailable - tBooted) / 1000)}s, total ${Math.round((tAvailable - t0) / 1000)}s`);
  }, 90 * 60_000);

  it('legacy BIOS: SeaBIOS network-boots the agent, which heartbeats and writes the raw image', async () => {
    const name = 'bios';
    const mac = '52:54:00:b1:05:01';
    const l = lab as QemuLab;
    const m = await l.addMachine(name, 'bios', mac);
    const { bmc, vm, disks } = m;
    const t0 = Date.now();
    // No inspection: the first agent boot is the deployment's, which waits for a heartbeat.
    const manifest = qemuLabHostManifest(l, m, { namespace: NS, bootMode: 'legacy', image: 'raw', annotations: { 'inspect.metal3.io': 'disabled' }, spec: { automatedCleaningMode: 'disabled' } });
    await stack.client.apply([{ name: 'bios.yaml', text: manifest }]);
    const workflowId = `bmh/${NS}/${name}`;
    await step('bios agent heartbeat', async () => {
      const deadline = Date.now() + 20 * 60_000;
      const heartbeat = (): boolean => bootWorkerLog().split('\n').some((line) => line.includes('agent heartbeat') && line.includes(workflowId));
      while (!heartbeat()) {
        if (Date.now() > deadline) throw new Error(`no agent heartbeat from ${workflowId} in 20 min`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    });
    const tHeartbeat = Date.now();
    expect(bmc.machine().events).toContain('boot pxe');
    // SeaBIOS ran QEMU's iPXE ROM (its text goes to the absent VGA), which fetched our per-MAC script and the agent.
    expect(bootWorkerLog()).toContain(`GET /ipxe/${mac}/boot.ipxe`);
    expect(vm.serial()).toContain(`BOOTIF=${mac}`); // the agent kernel's command line, from our script
    const provisioned = await step('bios provisioned (raw image streamed)', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'provisioned', 20 * 60_000, 2000));
    expect(provisioned.status.errorType).toBe('');
    expect(partitions(disks[1] ?? '')[0]).toMatchObject({ start: 2048, type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B' });
    note(`bios wall times: first heartbeat ${Math.round((tHeartbeat - t0) / 1000)}s after apply, provisioned ${Math.round((Date.now() - t0) / 1000)}s after apply`);
  }, 40 * 60_000);
});

describe('software RAID-1 on two disks through the stock agent', () => {
  it('preparing builds /dev/md0, the inventory shows it, the image is deployed onto it and boots', async () => {
    const name = 'raid';
    const mac = '52:54:00:e2:ea:01';
    const l = lab as QemuLab;
    const m = await l.addMachine(name, 'uefi', mac, { diskBytes: RAID_DISK_BYTES });
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
    expect(md?.sizeBytes ?? 0).toBeLessThan(RAID_DISK_BYTES);
    expect(storage.map((d) => d.serialNumber).filter(Boolean).sort()).toEqual(['MF-RAID-DISK-1', 'MF-RAID-DISK-2']);

    await stack.client.apply([{ name: 'raid.yaml', text: manifest('qcow2') }]);
    const provisioned = await step('provisioned onto the array', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'provisioned' || h.status.errorType !== '', 30 * 60_000, 2000));
    const tProvisioned = Date.now();
    expect(provisioned.status.errorMessage).toBe('');
    // install_bootloader mirrored the image's ESP onto both holders (IPA's uefi-holder partitions,
    // an md ESP with metadata 1.0 the firmware reads as plain FAT) next to the RAID member.
    for (const d of disks) {
      const types = partitions(d).map((p) => p.type);
      expect(types).toContain('C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
      expect(types).toContain('0FC63DAF-8483-4772-8E79-3D69D8477DE4');
    }

    await step('the deployed OS booted from the array', async () => {
      const deadline = Date.now() + 10 * 60_000;
      while (!homeCalls.some((c) => c.path === `/booted/${name}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
      const lastBoot = vm.serial().split('=== metalflow lab: power on').pop() ?? '';
      note(`serial console of the deployed OS:\n${lastBoot.split('\n').filter((x) => x.includes('metalflow-test-os')).join('\n')}`);
      expect(lastBoot).toContain('metalflow-test-os: booted as e2e-raid-node');
      expect(lastBoot).toContain('metalflow-test-os: config drive /dev/md0p2 read');
    });
    expect(homeCalls.find((c) => c.path === `/booted/${name}`)?.body).toBe('hostname=e2e-raid-node');
    note(`raid wall times: prepare (RAID) ${Math.round((tPrepared - t0) / 1000)}s, re-inspect ${Math.round((tInspected - tPrepared) / 1000)}s, provision ${Math.round((tProvisioned - tInspected) / 1000)}s, boot ${Math.round((Date.now() - tProvisioned) / 1000)}s`);
  }, 90 * 60_000);
});
