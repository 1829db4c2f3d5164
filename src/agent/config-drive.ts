/**
 * Builds the config drive the agent writes next to the image, the way openstacksdk's configdrive.py
 * packs it for Ironic: an ISO 9660 (Joliet + Rock Ridge) volume labelled `config-2` holding
 * openstack/{2012-08-10,latest}/{meta_data.json,network_data.json,user_data}, gzipped, base64.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const run = promisify(execFile);
const gzipAsync = promisify(gzip);
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

/** Returns the config drive as Ironic passes it to the agent: base64(gzip(iso)). */
export async function buildConfigDrive(content: ConfigDriveContent, opts: { genisoimage?: string } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'configdrive-'));
  try {
    const root = join(dir, 'root');
    for (const version of VERSIONS) {
      const d = join(root, 'openstack', version);
      await mkdir(d, { recursive: true });
      await writeFile(join(d, 'meta_data.json'), JSON.stringify(content.metaData));
      if (content.networkData !== undefined) await writeFile(join(d, 'network_data.json'), JSON.stringify(content.networkData));
      if (content.userData !== undefined) await writeFile(join(d, 'user_data'), content.userData);
    }
    const iso = join(dir, 'configdrive.iso');
    await run(opts.genisoimage ?? 'genisoimage', ['-o', iso, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'metalflow', '-quiet', '-J', '-r', '-V', CONFIG_DRIVE_LABEL, root]);
    const bytes = await readFile(iso);
    if (bytes.length > MAX_CONFIG_DRIVE_BYTES) throw new Error(`config drive is ${bytes.length} bytes; the agent accepts at most 64 MiB`);
    return (await gzipAsync(bytes)).toString('base64');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
