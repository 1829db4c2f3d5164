/**
 * The virtual-media lab with its boot worker: the libvirt lab (libvirt-lab.ts: TCG domains behind
 * sushy-tools' libvirt driver, on a bridge with NO DHCP server) plus a boot-services worker on this
 * machine's address on that bridge serving one provisioning network over TLS only: the agent API
 * on 6385 (HTTPS), agent ISOs and images on the vmedia TLS port (8083), no DHCP, no TFTP, no plain
 * HTTP. Guests reach it at `hostAddress`; the BMCs (sushy-tools, loopback) fetch ISOs there too.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { PROVISIONING_NETWORK_ANNOTATION } from '../src/api/provisioning-network.js';
import { startLibvirtLab, type LabMachineSpec, type LabVm, type LibvirtLab, type SushyFeatureSet } from './libvirt-lab.js';
import { libvirtLabHostManifest } from './libvirt-lab-manifest.js';
import { startNodeWorker, type WorkerProcess } from './processes.js';
import { buildLabImage, TEST_IMAGE } from './qemu-lab.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Metal3's vmediaTLSPort default, where the lab's boot worker serves ISOs and images. */
export const VMEDIA_LAB_TLS_PORT = 8083;

export interface VmediaLabOptions {
  dir: string;
  machines: LabMachineSpec[];
  featureSets?: SushyFeatureSet[];
  /** Environment of the boot worker: Temporal address and namespace, data dir, sealing keys. */
  workerEnv: NodeJS.ProcessEnv;
  /** Provisioning network the lab's boot worker serves (hosts carry it as an annotation). */
  network: string;
  bootEnv?: Record<string, string>;
  keepDir?: boolean;
  /** Port of the first emulator (default: a free one). */
  bmcPort?: number;
}

export interface VmediaLab {
  lab: LibvirtLab;
  network: string;
  bootWorker: WorkerProcess;
  /** https://<hostAddress>:8083 — agent ISOs (/media/…) and images (/images/…). */
  mediaBaseUrl: string;
  /** The agent API agents are told (https). */
  apiUrl: string;
  /** Files the boot worker serves under /images (the deployed test image, its checksums, lab ISOs). */
  imagesDir: string;
  /** A BareMetalHost (+ BMC and nmstate network Secrets) for machine `name`; `image` adds spec.image. */
  manifest(name: string, o: { namespace: string; annotations?: Record<string, string>; image?: { file: string; format: 'qcow2' | 'raw' | 'live-iso'; checksum?: boolean }; userData?: string; spec?: Record<string, unknown>; featureSet?: SushyFeatureSet }): string;
  stop(): Promise<void>;
}

export async function startVmediaLab(o: VmediaLabOptions): Promise<VmediaLab> {
  const ramdisk = buildLabImage('build-ipa-ramdisk.sh');
  const built = buildLabImage('build-test-image.sh');
  const lab = await startLibvirtLab({ dir: o.dir, machines: o.machines, ...(o.featureSets ? { featureSets: o.featureSets } : {}), ...(o.keepDir ? { keepDir: true } : {}), ...(o.bmcPort ? { bmcPort: o.bmcPort } : {}), root });
  // The lab's own images dir (the cached build stays as it is): the qcow2 test image, lab ISOs.
  const imagesDir = join(o.dir, 'images');
  const apiUrl = `https://${lab.hostAddress}:6385`;
  let bootWorker: WorkerProcess | undefined;
  try {
    mkdirSync(imagesDir, { recursive: true });
    for (const f of [`${TEST_IMAGE}.qcow2`, `${TEST_IMAGE}.qcow2.sha256sum`]) copyFileSync(join(built, f), join(imagesDir, f));
    bootWorker = await startNodeWorker(join(root, 'src/worker/boot-main.ts'), 'boot services worker started', join(o.dir, 'boot-worker.log'), {
      ...o.workerEnv,
      METALFLOW_PROVISIONING_NETWORK: o.network,
      METALFLOW_BOOT_IP: lab.hostAddress,
      METALFLOW_DHCP_MODE: 'off',
      METALFLOW_TFTP: '0',
      METALFLOW_HTTP: '0',
      METALFLOW_TLS: 'on',
      METALFLOW_VMEDIA_TLS_PORT: String(VMEDIA_LAB_TLS_PORT),
      // Its own listeners on the lab address, whatever the caller's environment says for another worker.
      METALFLOW_AGENT_API_HOST: lab.hostAddress,
      METALFLOW_AGENT_API_PORT: '6385',
      METALFLOW_AGENT_API_URL: apiUrl,
      METALFLOW_HTTP_HOST: lab.hostAddress,
      METALFLOW_AGENT_IMAGE_DIR: ramdisk,
      METALFLOW_IMAGES_DIR: imagesDir,
      METALFLOW_AGENT_KERNEL_PARAMS: 'console=ttyS0,115200 systemd.show_status=1',
      ...o.bootEnv,
    });
  } catch (err) {
    await lab.stop();
    throw err;
  }
  const worker = bootWorker;
  const mediaBaseUrl = `https://${lab.hostAddress}:${VMEDIA_LAB_TLS_PORT}`;
  return {
    lab,
    network: o.network,
    bootWorker: worker,
    mediaBaseUrl,
    apiUrl,
    imagesDir,
    manifest: (name, m) => {
      const vm: LabVm = lab.machine(name);
      const url = m.image ? `${mediaBaseUrl}/images/${m.image.file}` : '';
      const image = m.image ? { url, format: m.image.format, ...(m.image.checksum === false ? {} : { checksum: `${url}.sha256sum`, checksumType: 'sha256' }) } : undefined;
      const docs = libvirtLabHostManifest(lab, vm, lab.machines.indexOf(vm), {
        namespace: m.namespace,
        // The host belongs to this lab's provisioning network (its boot worker answers for it).
        annotations: { [PROVISIONING_NETWORK_ANNOTATION]: o.network, ...m.annotations },
        spec: {
          ...(m.featureSet ? { bmc: { address: lab.bmcAddress(name, 'redfish-virtualmedia+http', m.featureSet), credentialsName: `${name}-bmc` } } : {}),
          ...(image ? { image } : {}),
          ...(m.userData ? { userData: { name: `${name}-userdata` } } : {}),
          ...m.spec,
        },
      });
      const userData = m.userData ? `---\n${stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-userdata`, namespace: m.namespace }, stringData: { userData: m.userData } })}` : '';
      return docs + userData;
    },
    stop: async () => {
      try {
        await worker.stop();
      } finally {
        await lab.stop();
      }
    },
  };
}

/** Copies a file into the boot worker's images dir (e.g. a live ISO) with a sha256sum beside it. */
export function publishLabImage(imagesDir: string, file: string, name: string): void {
  copyFileSync(file, join(imagesDir, name));
  execFileSync('sh', ['-c', `cd "$1" && sha256sum "$2" > "$2.sha256sum"`, 'sh', imagesDir, name]);
}

export { TEST_IMAGE };
