/**
 * sushy-tools' Redfish emulator with its libvirt driver (as metal3-dev-env runs it), in the venv
 * scripts/setup-tools.sh makes from Debian's python3 with Debian's python3-libvirt
 * (.tools/emulators-libvirt). It drives the lab's private libvirt daemon: power is the domain's,
 * the boot override rewrites the domain's boot order / loader / NVRAM template, and InsertMedia
 * downloads the image, uploads it into the daemon's `default` pool and adds a CD-ROM drive.
 * `requests()` reads back from its log what the BMC was asked to do.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, startProcess, type LabProcess } from './processes.js';
import { waitSushyReady, writeHtpasswd } from './sushy-emulator.js';

/** sushy-tools' feature sets: `vmedia` (what Metal3's dev-env uses) has no SecureBoot resource; `full` has. */
export type SushyFeatureSet = 'vmedia' | 'full';

export interface SushyLibvirtOptions {
  dir: string;
  libvirtUri: string;
  featureSet: SushyFeatureSet;
  username: string;
  password: string;
  /** Firmware per boot mode (sushy-tools' boot loader map): OVMF code for UEFI, a SeaBIOS ROM for Legacy. */
  uefiLoader: string;
  legacyLoader: string;
  secureBootEnabledVars: string;
  secureBootDisabledVars: string;
  /** Listen address (default loopback) and port (default a free one). */
  host?: string;
  port?: number;
  root?: string;
}

/** One thing the emulator logged that it did, in order. */
export type BmcRequest =
  | { kind: 'boot-device'; system: string; device: string }
  | { kind: 'boot-mode'; system: string; mode: string }
  | { kind: 'insert'; system: string; device: string; image: string }
  | { kind: 'eject'; system: string; device: string }
  | { kind: 'secure-boot'; system: string; enabled: boolean }
  | { kind: 'power'; system: string; reset: string };

export interface SushyLibvirt extends LabProcess {
  url: string;
  port: number;
  featureSet: SushyFeatureSet;
  logFile: string;
  systemPath(uuid: string): string;
  /** What the BMC was asked (and did), from its log. */
  requests(): BmcRequest[];
}

const py = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export async function startSushyLibvirt(opts: SushyLibvirtOptions): Promise<SushyLibvirt> {
  const venv = join(resolve(opts.root ?? '.'), '.tools', 'emulators-libvirt', 'bin');
  mkdirSync(opts.dir, { recursive: true });
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort());
  const auth = writeHtpasswd(venv, opts.dir, opts.username, opts.password);
  const conf = join(opts.dir, 'sushy.conf');
  writeFileSync(
    conf,
    [
      `SUSHY_EMULATOR_LIBVIRT_URI = ${py(opts.libvirtUri)}`,
      `SUSHY_EMULATOR_FEATURE_SET = ${py(opts.featureSet)}`,
      `SUSHY_EMULATOR_AUTH_FILE = ${py(auth)}`,
      `SUSHY_EMULATOR_STATE_DIR = ${py(join(opts.dir, 'state'))}`,
      `SUSHY_EMULATOR_STORAGE_POOL = 'default'`,
      `SUSHY_EMULATOR_BOOT_LOADER_MAP = {'UEFI': {'x86_64': ${py(opts.uefiLoader)}}, 'Legacy': {'x86_64': ${py(opts.legacyLoader)}}}`,
      `SUSHY_EMULATOR_SECURE_BOOT_ENABLED_NVRAM = ${py(opts.secureBootEnabledVars)}`,
      `SUSHY_EMULATOR_SECURE_BOOT_DISABLED_NVRAM = ${py(opts.secureBootDisabledVars)}`,
      // Like a real BMC by default (and Ironic's redfish driver with verify_ca off): the lab's ISO server has a throwaway certificate.
      'SUSHY_EMULATOR_VMEDIA_VERIFY_SSL = False',
    ].join('\n') + '\n',
  );
  const logFile = join(opts.dir, 'sushy.log');
  // TMPDIR: where it downloads inserted images before uploading them to libvirt (removed on eject).
  // Its Flask app logger stays at WARNING unless told: INFO is where it says what it did (requests()).
  const launcher = "import logging,sys; logging.getLogger('sushy_tools.emulator.main').setLevel(logging.INFO); from sushy_tools.emulator.main import main; sys.exit(main())";
  const p = startProcess(join(venv, 'python'), ['-c', launcher, '--config', conf, '-i', host, '-p', String(port)], logFile, { ...process.env, TMPDIR: opts.dir });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  await waitSushyReady(p, url);
  return { ...p, url, port, featureSet: opts.featureSet, logFile, systemPath: (uuid) => `/redfish/v1/Systems/${uuid}`, requests: () => parseSushyLog(readFileSync(logFile, 'utf8')) };
}

/** The emulator's own INFO lines for each change (sushy-tools 2.2.0's wording) and the werkzeug line of each Reset. */
export function parseSushyLog(log: string): BmcRequest[] {
  const out: BmcRequest[] = [];
  for (const line of log.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /Set boot device to "([^"]+)" for system "([^"]+)"/.exec(line))) out.push({ kind: 'boot-device', device: m[1] ?? '', system: m[2] ?? '' });
    else if ((m = /Set boot mode to "([^"]+)" for system "([^"]+)"/.exec(line))) out.push({ kind: 'boot-mode', mode: m[1] ?? '', system: m[2] ?? '' });
    else if ((m = /Virtual media placed into device (\S+) for system (\S+)\. Image (\S+) inserted/.exec(line))) out.push({ kind: 'insert', device: m[1] ?? '', system: m[2] ?? '', image: m[3] ?? '' });
    else if ((m = /Virtual media ejected from device (\S+) system (\S+)/.exec(line))) out.push({ kind: 'eject', device: m[1] ?? '', system: m[2] ?? '' });
    else if ((m = /System "([^"]+)" secure boot updated to "([^"]+)"/.exec(line))) out.push({ kind: 'secure-boot', system: m[1] ?? '', enabled: m[2] === 'True' });
    else if ((m = /System "([^"]+)" power state set to "([^"]+)"/.exec(line))) out.push({ kind: 'power', system: m[1] ?? '', reset: m[2] ?? '' });
  }
  return out;
}
