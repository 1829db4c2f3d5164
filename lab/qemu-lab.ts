/**
 * The QEMU lab: metal3-dev-env on one machine. A private bridge (its own network namespace), a
 * boot-services worker in a namespace on it (DHCP full mode, TFTP, HTTP with the agent ramdisk and
 * the test image, agent API) serving its own provisioning network, and QEMU machines on the bridge,
 * each powered by its own ipmi_sim on loopback. This machine's namespace joins the bridge at .2:
 * the boot worker reaches the Temporal server (loopback only) through a forwarder there, and
 * deployed machines can phone home there. Needs root (namespaces, taps).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { PROVISIONING_NETWORK_ANNOTATION } from '../src/api/provisioning-network.js';
import { startIpmiSim, type IpmiSim } from './ipmi-sim.js';
import { LabNetwork, type LanMember } from './lab-network.js';
import { startNodeWorker, type WorkerProcess } from './processes.js';
import { createQemuMachine, type QemuMachine } from './qemu-machine.js';
import { forwardTcp, type TcpForward } from './tcp-forward.js';

export const TEST_IMAGE = 'metalflow-test-os';
const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs one of the cached image builders (scripts/build-*.sh) and returns its output directory. */
export function buildLabImage(script: 'build-ipa-ramdisk.sh' | 'build-test-image.sh'): string {
  const out = execFileSync('bash', [join(root, 'scripts', script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop() ?? '';
}

export interface QemuLabOptions {
  dir: string;
  /** The Temporal frontend on this machine (`127.0.0.1:7233`). */
  temporalAddress: string;
  /** Environment of the boot worker: Temporal namespace, data dir and sealing keys like the host worker's. */
  workerEnv: NodeJS.ProcessEnv;
  /** Provisioning network the lab's boot worker serves (hosts carry it as an annotation). */
  network: string;
  /** More boot worker settings (e.g. METALFLOW_AGENT_POLL). */
  bootEnv?: Record<string, string>;
}

export interface LabMachine {
  name: string;
  mac: string;
  bmc: IpmiSim;
  vm: QemuMachine;
  disks: string[];
}

export interface QemuLab {
  network: string;
  lan: LabNetwork;
  srv: LanMember;
  /** This machine's address on the lab bridge. */
  hostIp: string;
  bootWorker: WorkerProcess;
  /** Where the boot worker serves the test image: `${imageBaseUrl}/metalflow-test-os.qcow2` (+ .sha256sum). */
  imageBaseUrl: string;
  machines: LabMachine[];
  /** A machine with two virtio disks (serials `MF-<NAME>-DISK-1/2`) behind its own ipmi_sim. */
  /** `bmcPort`: a fixed UDP port for its ipmi_sim (a lab restarted keeps its hosts' BMC addresses); default any free one. */
  addMachine(name: string, firmware: 'uefi' | 'bios', mac: string, opts?: { diskBytes?: number; memoryMiB?: number; bmcPort?: number }): Promise<LabMachine>;
  stop(): Promise<void>;
}

export async function startQemuLab(o: QemuLabOptions): Promise<QemuLab> {
  const ramdisk = buildLabImage('build-ipa-ramdisk.sh');
  const images = buildLabImage('build-test-image.sh');
  mkdirSync(o.dir, { recursive: true });
  const lan = new LabNetwork();
  const machines: LabMachine[] = [];
  let forward: TcpForward | undefined;
  let bootWorker: WorkerProcess | undefined;
  const stop = async (): Promise<void> => {
    // Each step on its own: one failing must not leave the others' processes or namespaces behind.
    const attempt = async (fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`qemu lab: stopping: ${(err as Error).message}\n`);
      }
    };
    for (const m of machines) {
      await attempt(() => m.vm.stop());
      await attempt(() => m.bmc.stop());
    }
    await attempt(() => bootWorker?.stop());
    await attempt(() => forward?.close());
    await attempt(() => lan.remove());
  };
  try {
    const srv = lan.member('srv', { host: 1 });
    const hostIp = lan.hostLink(2);
    const [tHost = '127.0.0.1', tPort = '7233'] = o.temporalAddress.split(':');
    forward = await forwardTcp(hostIp, { host: tHost, port: Number(tPort) });
    bootWorker = await startNodeWorker(
      join(root, 'src/worker/boot-main.ts'),
      'boot services worker started',
      join(o.dir, 'boot-worker.log'),
      {
        ...o.workerEnv,
        TEMPORAL_ADDRESS: `${hostIp}:${forward.port}`,
        METALFLOW_PROVISIONING_NETWORK: o.network,
        METALFLOW_BOOT_IP: srv.ip ?? '',
        METALFLOW_DHCP_MODE: 'full',
        METALFLOW_DHCP_RANGE: `${lan.prefix}.100,${lan.prefix}.200`,
        METALFLOW_AGENT_API_PORT: '6385',
        METALFLOW_AGENT_IMAGE_DIR: ramdisk,
        METALFLOW_IMAGES_DIR: images,
        METALFLOW_AGENT_KERNEL_PARAMS: 'console=ttyS0,115200 systemd.show_status=1',
        ...o.bootEnv,
      },
      srv.exec,
    );
    const lab: QemuLab = {
      network: o.network,
      lan,
      srv,
      hostIp,
      bootWorker,
      imageBaseUrl: `http://${srv.ip ?? ''}/images`,
      machines,
      addMachine: async (name, firmware, mac, opts = {}) => {
        const mdir = join(o.dir, name);
        mkdirSync(mdir, { recursive: true });
        const disks = [join(mdir, 'disk1.raw'), join(mdir, 'disk2.raw')];
        const vm = createQemuMachine({
          dir: mdir,
          firmware,
          mac,
          tap: lan.tap(),
          exec: lan.lanExec,
          disks: disks.map((file, i) => ({ file, serial: `MF-${name.toUpperCase()}-DISK-${i + 1}`, sizeBytes: opts.diskBytes ?? 5 * 2 ** 30 })),
          ...(opts.memoryMiB ? { memoryMiB: opts.memoryMiB } : {}),
        });
        const bmc = await startIpmiSim({ dir: mdir, username: 'admin', password: `pw-${name}`, powerScript: vm.script, ...(opts.bmcPort ? { port: opts.bmcPort } : {}) });
        const m = { name, mac, bmc, vm, disks };
        machines.push(m);
        return m;
      },
      stop,
    };
    return lab;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A BareMetalHost (+ its Secrets) for a lab machine, as a Metal3 user would write it. */
export function qemuLabHostManifest(
  lab: Pick<QemuLab, 'network' | 'imageBaseUrl'>,
  m: Pick<LabMachine, 'name' | 'mac' | 'bmc'>,
  o: { namespace: string; bootMode: 'UEFI' | 'legacy'; image?: 'qcow2' | 'raw'; userData?: string; annotations?: Record<string, string>; spec?: Record<string, unknown> },
): string {
  const url = `${lab.imageBaseUrl}/${TEST_IMAGE}.${o.image ?? 'qcow2'}`;
  const meta = (name: string): { name: string; namespace: string } => ({ name, namespace: o.namespace });
  const docs: unknown[] = [{ apiVersion: 'v1', kind: 'Secret', metadata: meta(`${m.name}-bmc`), stringData: { username: 'admin', password: `pw-${m.name}` } }];
  if (o.userData) docs.push({ apiVersion: 'v1', kind: 'Secret', metadata: meta(`${m.name}-userdata`), stringData: { userData: o.userData } });
  docs.push({
    apiVersion: 'metal3.io/v1alpha1',
    kind: 'BareMetalHost',
    metadata: { ...meta(m.name), annotations: { [PROVISIONING_NETWORK_ANNOTATION]: lab.network, ...o.annotations } },
    spec: {
      online: true,
      bootMACAddress: m.mac,
      bootMode: o.bootMode,
      bmc: { address: `ipmi://127.0.0.1:${m.bmc.port}`, credentialsName: `${m.name}-bmc` },
      rootDeviceHints: { serialNumber: `MF-${m.name.toUpperCase()}-DISK-2` },
      ...(o.image ? { image: { url, checksum: `${url}.sha256sum`, checksumType: 'sha256', format: o.image } } : {}),
      ...(o.userData ? { userData: { name: `${m.name}-userdata` } } : {}),
      ...o.spec,
    },
  });
  return docs.map((d) => stringify(d)).join('---\n');
}
