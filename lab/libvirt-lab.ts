/**
 * The virtual-media lab, the metal3-dev-env way: libvirt + QEMU (TCG) domains with OVMF or SeaBIOS
 * behind sushy-tools' libvirt driver. Everything is private to one run (unique names, so runs and
 * other tests' namespaces do not meet):
 *   - a network namespace with bridge `br0` and NO DHCP server; this machine reaches it through a
 *     veth at `<prefix>.<hostOctet>` (`hostAddress`), where guests find the boot worker's servers;
 *   - a libvirt daemon in that namespace with private state dirs (libvirt-daemon.ts);
 *   - one sushy-tools emulator per requested feature set, on loopback (the BMC network);
 *   - per machine: a defined domain, two sparse raw disks, a serial console log.
 * `stop()` destroys and undefines every domain, stops the emulators and the daemon, kills any QEMU
 * left behind, deletes the namespace and (unless `keepDir`) the directory; it runs on a failed
 * start too.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabNetwork } from './lab-network.js';
import { startLibvirtDaemon, type LibvirtDaemon } from './libvirt-daemon.js';
import { domainBootState, domainXml, OVMF_SECBOOT_CODE, OVMF_VARS_NO_KEYS, SEABIOS_ROM, type DomainBootState, type LabFirmware } from './libvirt-domain.js';
import { startSushyLibvirt, type SushyFeatureSet, type SushyLibvirt } from './sushy-libvirt.js';

export type { LabFirmware, DomainBootState, SushyFeatureSet };

/** Disks per machine (the inventory must show more than one, with distinct serials). */
export const LAB_DISKS_PER_MACHINE = 2;
export const LAB_DISK_BYTES = 8 * 1024 ** 3;
/** Longest waitForSerial wait a caller may ask for (TCG boots of the agent take minutes, not hours). */
export const LAB_SERIAL_WAIT_MAX_MS = 30 * 60_000;

export interface LabMachineSpec {
  name: string;
  firmware: LabFirmware;
  /** Default: a random 52:54:00 address. */
  mac?: string;
  memoryMiB?: number;
  cpus?: number;
  diskBytes?: number;
}

export interface LabVm {
  name: string;
  /** libvirt domain name and UUID (the Redfish system id is the UUID). */
  domain: string;
  uuid: string;
  mac: string;
  firmware: LabFirmware;
  serialLog: string;
  disks: Array<{ file: string; serial: string }>;
  systemPath: string;
}

export interface LibvirtLabOptions {
  /** The lab's directory (created; removed by stop() unless keepDir). */
  dir: string;
  machines?: LabMachineSpec[];
  /** sushy-tools emulators to run (default ['vmedia']); `full` adds the SecureBoot resource. */
  featureSets?: SushyFeatureSet[];
  /** Port of the first feature set's emulator (default: a free one). */
  bmcPort?: number;
  /** Last octet of this machine's address on the lab bridge (default 1). */
  hostOctet?: number;
  username?: string;
  password?: string;
  keepDir?: boolean;
  root?: string;
}

export interface LibvirtLab {
  dir: string;
  network: LabNetwork;
  /** This machine's address on the lab bridge (guests reach the boot worker here). */
  hostAddress: string;
  /** `<prefix>` of the lab's /24, e.g. 10.123.45 */
  prefix: string;
  daemon: LibvirtDaemon;
  credentials: { username: string; password: string };
  machines: LabVm[];
  /** The emulator for a feature set (throws if it was not started). */
  bmc(featureSet?: SushyFeatureSet): SushyLibvirt;
  /** BareMetalHost-style BMC address of a machine, e.g. redfish-virtualmedia+http://127.0.0.1:8000/redfish/v1/Systems/<uuid>. */
  bmcAddress(name: string, scheme?: string, featureSet?: SushyFeatureSet): string;
  addMachine(spec: LabMachineSpec): LabVm;
  machine(name: string): LabVm;
  /** The domain's persistent (next boot) XML, and what it says the BMC set. */
  domainXml(name: string): string;
  bootState(name: string): DomainBootState;
  serial(name: string): string;
  /** Resolves with the serial log once it contains `text` (after `from` chars); rejects after `timeoutMs`. */
  waitForSerial(name: string, text: string, timeoutMs: number, from?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startLibvirtLab(opts: LibvirtLabOptions): Promise<LibvirtLab> {
  if (process.getuid?.() !== 0) throw new Error('the libvirt lab needs root (network namespace, bridge, private mounts)');
  mkdirSync(opts.dir, { recursive: true });
  const network = new LabNetwork();
  const sushies = new Map<SushyFeatureSet, SushyLibvirt>();
  const machines: LabVm[] = [];
  let daemon: LibvirtDaemon | undefined;
  const credentials = { username: opts.username ?? 'admin', password: opts.password ?? 'lab-password' };

  const stop = async (): Promise<void> => {
    for (const m of machines) {
      for (const cmd of [['destroy', m.domain], ['undefine', '--nvram', m.domain]]) {
        try {
          daemon?.virsh(...cmd);
        } catch {
          // not running / already gone
        }
      }
    }
    await Promise.all([...sushies.values()].map((s) => s.stop()));
    await daemon?.stop();
    killLeftoverQemu(join(opts.dir, 'libvirt', 'run', 'qemu'));
    network.remove();
    if (!opts.keepDir) rmSync(opts.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };

  try {
    const hostAddress = network.hostLink(opts.hostOctet ?? 1);
    daemon = await startLibvirtDaemon({ dir: join(opts.dir, 'libvirt'), exec: network.lanExec });
    // A copy of the key-less variables under its own name: sushy-tools tells secure boot on/off by
    // the template path alone, and with no keys enrolled unsigned test images still boot.
    const secureVars = join(opts.dir, 'OVMF_VARS_4M.secboot-nokeys.fd');
    copyFileSync(OVMF_VARS_NO_KEYS, secureVars);
    for (const [i, fs] of (opts.featureSets ?? ['vmedia']).entries()) {
      sushies.set(
        fs,
        await startSushyLibvirt({
          dir: join(opts.dir, `sushy-${fs}`),
          libvirtUri: daemon.uri,
          featureSet: fs,
          ...credentials,
          uefiLoader: OVMF_SECBOOT_CODE,
          legacyLoader: SEABIOS_ROM,
          secureBootEnabledVars: secureVars,
          secureBootDisabledVars: OVMF_VARS_NO_KEYS,
          ...(opts.root ? { root: opts.root } : {}),
          ...(i === 0 && opts.bmcPort ? { port: opts.bmcPort } : {}),
        }),
      );
    }
    const d = daemon;
    const addMachine = (spec: LabMachineSpec): LabVm => {
      if (!/^[a-z0-9-]{1,20}$/.test(spec.name)) throw new Error(`machine name ${spec.name}: 1-20 of a-z 0-9 -`);
      if (machines.some((m) => m.name === spec.name)) throw new Error(`machine ${spec.name} already exists`);
      const mdir = join(opts.dir, 'machines', spec.name);
      mkdirSync(mdir, { recursive: true });
      const disks = Array.from({ length: LAB_DISKS_PER_MACHINE }, (_, i) => ({ file: join(mdir, `disk${i}.img`), serial: `${spec.name.slice(0, 16)}-d${i}` }));
      for (const disk of disks) {
        writeFileSync(disk.file, '');
        truncateSync(disk.file, spec.diskBytes ?? LAB_DISK_BYTES);
      }
      const vm: LabVm = {
        name: spec.name,
        domain: `mf-${spec.name}`,
        uuid: randomUUID(),
        mac: spec.mac ?? `52:54:00:${randomBytes(3).toString('hex').match(/../g)?.join(':')}`,
        firmware: spec.firmware,
        serialLog: join(mdir, 'serial.log'),
        disks,
        systemPath: '',
      };
      vm.systemPath = `/redfish/v1/Systems/${vm.uuid}`;
      const xmlFile = join(mdir, 'domain.xml');
      writeFileSync(xmlFile, domainXml({ name: vm.domain, uuid: vm.uuid, firmware: spec.firmware, mac: vm.mac, bridge: 'br0', disks, serialLog: vm.serialLog, memoryMiB: spec.memoryMiB ?? 1024, cpus: spec.cpus ?? 1, secureBootVars: secureVars }));
      d.virsh('define', xmlFile);
      machines.push(vm);
      return vm;
    };
    for (const spec of opts.machines ?? []) addMachine(spec);
    const machine = (name: string): LabVm => {
      const m = machines.find((x) => x.name === name);
      if (!m) throw new Error(`no lab machine ${name}`);
      return m;
    };
    const bmc = (fs: SushyFeatureSet = opts.featureSets?.[0] ?? 'vmedia'): SushyLibvirt => {
      const s = sushies.get(fs);
      if (!s) throw new Error(`no sushy-tools emulator with feature set ${fs} in this lab`);
      return s;
    };
    const domainXmlOf = (name: string): string => d.virsh('dumpxml', '--inactive', machine(name).domain);
    const serial = (name: string): string => (existsSync(machine(name).serialLog) ? readFileSync(machine(name).serialLog, 'latin1') : '');
    return {
      dir: opts.dir,
      network,
      hostAddress,
      prefix: network.prefix,
      daemon: d,
      credentials,
      machines,
      bmc,
      bmcAddress: (name, scheme = 'redfish-virtualmedia+http', fs) => `${scheme}://127.0.0.1:${bmc(fs).port}${machine(name).systemPath}`,
      addMachine,
      machine,
      domainXml: domainXmlOf,
      bootState: (name) => domainBootState(domainXmlOf(name)),
      serial,
      waitForSerial: (name, text, timeoutMs, from = 0) => waitForText(name, () => serial(name), text, timeoutMs, from),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls `read()` until it holds `text` after `from`; rejects after `timeoutMs` (at most LAB_SERIAL_WAIT_MAX_MS). */
export async function waitForText(what: string, read: () => string, text: string, timeoutMs: number, from = 0): Promise<string> {
  if (timeoutMs > LAB_SERIAL_WAIT_MAX_MS) throw new Error(`waiting ${timeoutMs} ms for ${what}: more than LAB_SERIAL_WAIT_MAX_MS (${LAB_SERIAL_WAIT_MAX_MS})`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = read();
    if (log.indexOf(text, from) >= 0) return log;
    if (Date.now() >= deadline) throw new Error(`${what}: "${text}" not on the serial console after ${timeoutMs / 1000}s; last output:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** QEMU processes of this lab's daemon that outlived it (libvirtd leaves domains running when it exits). */
function killLeftoverQemu(pidDir: string): void {
  if (!existsSync(pidDir)) return;
  for (const f of readdirSync(pidDir).filter((n) => n.endsWith('.pid'))) {
    const pid = Number(readFileSync(join(pidDir, f), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      // Only a QEMU whose command line names this lab's domain.
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`guest=${f.slice(0, -4)},`)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
