/**
 * Runs the emulated lab for `npm start`: writes the lab manifest and, with `--bmc redfish`, keeps
 * running until SIGINT/SIGTERM: a sushy-tools Redfish emulator with one system per host, and the
 * simulated agents (told by sushy-tools when a machine network-boots) that talk the Ironic agent
 * protocol to the boot-services worker at --agent-api.
 * With `--bmc qemu` (root): QEMU machines (UEFI) behind ipmi_sim on a lab bridge, with a boot worker
 * of their own (qemu-lab.ts); each gets the test image and a hostname by userData.
 * With `--bmc vmedia` (root): libvirt + QEMU UEFI machines behind sushy-tools' libvirt driver
 * (vmedia feature set) on a lab bridge without DHCP (libvirt-lab.ts), as `redfish-virtualmedia` hosts.
 *   npx tsx lab/main.ts --hosts 5 --bmc fake|redfish|qemu|vmedia --dir .metalflow/lab --out lab.yaml
 *     [--fail lab-1:inspect,lab-2:clean:2,lab-3:deploy]   (simulated agent failure injection)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { labHosts, labManifest } from './lab-manifest.js';
import { parseFaults } from './agents/agent-fleet.js';
import { qemuLabHostManifest, startQemuLab } from './qemu-lab.js';
import { LAB_PASSWORD, startRedfishLab } from './redfish-lab.js';
import { startVmediaLab, TEST_IMAGE } from './vmedia-lab.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '5' },
      bmc: { type: 'string', default: 'fake' },
      namespace: { type: 'string', default: 'lab' },
      dir: { type: 'string', default: '.metalflow/lab' },
      out: { type: 'string' },
      port: { type: 'string', default: '8000' },
      'agent-api': { type: 'string', default: 'http://127.0.0.1:6385' },
      fail: { type: 'string', default: '' },
    },
  });
  const count = Number(values.hosts);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--hosts ${values.hosts}: expected a positive whole number`);
  mkdirSync(values.dir, { recursive: true });
  const emit = (text: string): void => (values.out ? writeFileSync(values.out, text) : void process.stdout.write(text));

  if (values.bmc === 'fake') {
    emit(labManifest(labHosts(count, { kind: 'fake' }), values.namespace, LAB_PASSWORD));
    return;
  }
  if (values.bmc === 'qemu') return runQemuLab(count, values.dir, values.namespace, emit);
  if (values.bmc === 'vmedia') return runVmediaLab(count, values.dir, values.namespace, Number(values.port), emit);
  if (values.bmc !== 'redfish') throw new Error(`--bmc ${values.bmc}: expected fake, redfish, qemu or vmedia`);
  const lab = await startRedfishLab({
    hosts: count,
    dir: values.dir,
    port: Number(values.port),
    namespace: values.namespace,
    agentApi: values['agent-api'],
    bootDelayMs: 3000,
    heartbeatMs: 10_000,
    durationMs: (c) => (c.includes('execute') ? 3000 : 200),
    faults: parseFaults(values.fail),
    log: (m) => process.stderr.write(`agent ${m}\n`),
  });
  emit(lab.manifest);
  process.stderr.write(`sushy-tools Redfish emulator with ${count} systems at ${lab.sushy.url}; simulated agents answer for them\n`);
  await runUntilSignalled(lab);
}

/** QEMU machines behind ipmi_sim on a lab bridge, with their own boot worker (root; see qemu-lab.ts). */
async function runQemuLab(count: number, dir: string, namespace: string, emit: (text: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('--bmc qemu needs root (network namespaces, tap devices)');
  const lab = await startQemuLab({ dir, temporalAddress: process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233', workerEnv: process.env, network: 'lab-qemu' });
  const running = runUntilSignalled(lab);
  const docs: string[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `lab-vm-${String(i).padStart(2, '0')}`;
    // BMC ports 6230, 6231... as metal3-dev-env's virtualbmc: the same hosts after a restart.
    const m = await lab.addMachine(name, 'uefi', `52:54:00:4d:46:${i.toString(16).padStart(2, '0')}`, { bmcPort: 6229 + i });
    docs.push(qemuLabHostManifest(lab, m, { namespace, bootMode: 'UEFI', image: 'qcow2', userData: `#cloud-config\nhostname: ${name}` }));
  }
  emit(docs.join('---\n'));
  process.stderr.write(`QEMU lab: ${count} UEFI machine(s) behind ipmi_sim on bridge ${lab.lan.prefix}.0/24 (provisioning network ${lab.network}); serial consoles in ${dir}/<host>/serial.log, boot worker log ${lab.bootWorker.logFile}\n`);
  await running;
}

/**
 * libvirt + QEMU UEFI machines behind sushy-tools' libvirt driver, on a bridge without DHCP, with
 * a boot worker of their own serving provisioning network `lab-vmedia` over TLS (root; see
 * vmedia-lab.ts). Each host gets the test image and a userData hostname, so it goes all the way.
 */
async function runVmediaLab(count: number, dir: string, namespace: string, port: number, emit: (text: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('--bmc vmedia needs root (network namespace, libvirt daemon, tap devices)');
  const machines = Array.from({ length: count }, (_, i) => ({ name: `vm-${String(i + 1).padStart(2, '0')}`, firmware: 'uefi' as const, mac: `52:54:00:56:4d:${(i + 1).toString(16).padStart(2, '0')}`, memoryMiB: 2048 }));
  // A fresh lab each start: the last run's libvirt state (pool, domains) would refuse a second definition.
  rmSync(join(dir, 'vmedia'), { recursive: true, force: true });
  const vl = await startVmediaLab({ dir: join(dir, 'vmedia'), machines, bmcPort: port, keepDir: true, workerEnv: process.env, network: 'lab-vmedia' });
  const running = runUntilSignalled(vl);
  emit(vl.lab.machines.map((m) => vl.manifest(m.name, { namespace, image: { file: `${TEST_IMAGE}.qcow2`, format: 'qcow2' }, userData: `#cloud-config\nhostname: ${m.name}\n` })).join('---\n'));
  process.stderr.write(
    `virtual-media lab: ${count} UEFI machine(s) (libvirt, TCG) behind sushy-tools' libvirt driver at ${vl.lab.bmc().url} on bridge ${vl.lab.prefix}.0/24 without DHCP; ` +
      `boot worker (provisioning network lab-vmedia) at ${vl.apiUrl} and ${vl.mediaBaseUrl}, log ${vl.bootWorker.logFile}; serial consoles in ${dir}/vmedia/machines/<host>/serial.log, emulator log ${vl.lab.bmc().logFile}\n`,
  );
  await running;
}

/** Keeps the lab up until SIGINT/SIGTERM, then stops it (once: Ctrl-C and start.sh's TERM both come) and exits. */
function runUntilSignalled(lab: { stop(): Promise<void> }): Promise<never> {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void lab.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return new Promise<never>(() => undefined);
}

main().catch((err: unknown) => {
  process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
