/**
 * Builds the config drive the agent writes next to the image, the way openstacksdk's configdrive.py
 * packs it for Ironic: an ISO 9660 (Joliet + Rock Ridge) volume labelled `config-2` holding
 * openstack/{2012-08-10,latest}/{meta_data.json,network_data.json,user_data}, gzipped, base64.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { buildIso, type IsoFile } from './iso9660.js';

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

/**
 * Returns the config drive as Ironic passes it to the agent: base64(gzip(iso)). Built in memory
 * (src/agent/iso9660.ts): the plain userData is never written to a file, so a crash leaves none
 * behind, and no tool (genisoimage) runs with it.
 */
export async function buildConfigDrive(content: ConfigDriveContent): Promise<string> {
  const files: IsoFile[] = [];
  for (const version of VERSIONS) {
    const dir = `openstack/${version}`;
    files.push({ path: `${dir}/meta_data.json`, data: Buffer.from(JSON.stringify(content.metaData), 'utf8') });
    if (content.networkData !== undefined) files.push({ path: `${dir}/network_data.json`, data: Buffer.from(JSON.stringify(content.networkData), 'utf8') });
    if (content.userData !== undefined) files.push({ path: `${dir}/user_data`, data: Buffer.from(content.userData, 'utf8') });
  }
  const bytes = buildIso(files, { volumeId: CONFIG_DRIVE_LABEL, publisher: 'metalflow' });
  if (bytes.length > MAX_CONFIG_DRIVE_BYTES) throw new Error(`config drive is ${bytes.length} bytes; the agent accepts at most 64 MiB`);
  return (await gzipAsync(bytes)).toString('base64');
}
