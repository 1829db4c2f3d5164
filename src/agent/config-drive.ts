/**
 * Builds the config drive the agent writes next to the image, the way openstacksdk's configdrive.py
 * packs it for Ironic: an ISO 9660 (Joliet + Rock Ridge) volume labelled `config-2` holding
 * openstack/{2012-08-10,latest}/{meta_data.json,network_data.json,user_data}, gzipped, base64.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { runTool } from '../child-process.js';

const gzipAsync = promisify(gzip);
/** Temp directories are `<prefix><pid>-<random>`: the pid tells a sweep whether their builder is gone. */
export const CONFIG_DRIVE_TEMP_PREFIX = 'metalflow-configdrive-';
export const CONFIG_DRIVE_LABEL = 'config-2';
const VERSIONS = ['2012-08-10', 'latest'];
/** IPA refuses config drives over 64 MiB (partition_utils MAX_CONFIG_DRIVE_SIZE_MB). */
export const MAX_CONFIG_DRIVE_BYTES = 64 * 2 ** 20;

export interface ConfigDriveContent {
  metaData: Record<string, unknown>;
  /** Nova network_data.json object (Metal3's networkData Secret, parsed). */
  networkData?: unknown;
  /** Raw user data (cloud-init, ignition...). */
  userData?: string;
}

/**
 * Where genisoimage's input (plain userData) lives while it runs: a memory file system when there is
 * one (/dev/shm), so it never reaches a disk, even if this process dies before removing it.
 */
export function configDriveTempRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/** Returns the config drive as Ironic passes it to the agent: base64(gzip(iso)). */
export async function buildConfigDrive(content: ConfigDriveContent, opts: { genisoimage?: string; tempRoot?: string } = {}): Promise<string> {
  // mkdtemp makes the directory 0700: only this user can read the plain files while they exist.
  const dir = await mkdtemp(join(opts.tempRoot ?? configDriveTempRoot(), `${CONFIG_DRIVE_TEMP_PREFIX}${process.pid}-`));
  try {
    const root = join(dir, 'root');
    const file = { mode: 0o600 };
    for (const version of VERSIONS) {
      const d = join(root, 'openstack', version);
      await mkdir(d, { recursive: true });
      await writeFile(join(d, 'meta_data.json'), JSON.stringify(content.metaData), file);
      if (content.networkData !== undefined) await writeFile(join(d, 'network_data.json'), JSON.stringify(content.networkData), file);
      if (content.userData !== undefined) await writeFile(join(d, 'user_data'), content.userData, file);
    }
    const iso = join(dir, 'configdrive.iso');
    await runTool(opts.genisoimage ?? 'genisoimage', ['-o', iso, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'metalflow', '-quiet', '-J', '-r', '-V', CONFIG_DRIVE_LABEL, root]);
    const bytes = await readFile(iso);
    if (bytes.length > MAX_CONFIG_DRIVE_BYTES) throw new Error(`config drive is ${bytes.length} bytes; the agent accepts at most 64 MiB`);
    return (await gzipAsync(bytes)).toString('base64');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Removes config drive temp directories whose builder process is gone (killed between writing the
 * files and the `finally` above). The boot worker runs it at start; a live process's build is left.
 * Returns the directories removed.
 */
export async function sweepConfigDriveLeftovers(root: string = configDriveTempRoot()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = new RegExp(`^${CONFIG_DRIVE_TEMP_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (!pid || processAlive(Number(pid))) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(join(root, name));
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
