/** The config drive unpacked with isoinfo (genisoimage's companion), as the deployed OS would read it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfigDrive } from '../../../src/agent/config-drive.js';

const dir = mkdtempSync(join(tmpdir(), 'cd-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function unpack(base64: string): { iso: string; read: (path: string) => string; label: string } {
  const iso = join(dir, `drive-${Math.random()}.iso`);
  writeFileSync(iso, gunzipSync(Buffer.from(base64, 'base64')));
  return {
    iso,
    read: (path) => execFileSync('isoinfo', ['-R', '-i', iso, '-x', path], { encoding: 'utf8' }),
    label: /Volume id:\s*(\S+)/.exec(execFileSync('isoinfo', ['-d', '-i', iso], { encoding: 'utf8' }))?.[1] ?? '',
  };
}

describe('config drive', () => {
  it('holds meta_data.json, network_data.json and user_data under both versions, labelled config-2', async () => {
    const metaData = { uuid: 'u-1', 'metal3-name': 'host-0', 'metal3-namespace': 'metal3', 'local-hostname': 'host-0', local_hostname: 'host-0', name: 'host-0' };
    const networkData = { links: [{ id: 'eth0', type: 'phy', ethernet_mac_address: '52:54:00:00:00:01' }], networks: [], services: [] };
    const userData = '#cloud-config\nhostname: host-0\n';
    const drive = unpack(await buildConfigDrive({ metaData, networkData, userData }));
    expect(drive.label).toBe('config-2');
    for (const version of ['2012-08-10', 'latest']) {
      expect(JSON.parse(drive.read(`/openstack/${version}/meta_data.json`))).toEqual(metaData);
      expect(JSON.parse(drive.read(`/openstack/${version}/network_data.json`))).toEqual(networkData);
      expect(drive.read(`/openstack/${version}/user_data`)).toBe(userData);
    }
  });

  it('leaves out network_data.json and user_data when there are none', async () => {
    const drive = unpack(await buildConfigDrive({ metaData: { uuid: 'u-2' } }));
    const listing = execFileSync('isoinfo', ['-R', '-f', '-i', drive.iso], { encoding: 'utf8' });
    expect(listing).toContain('/openstack/latest/meta_data.json');
    expect(listing).not.toContain('network_data.json');
    expect(listing).not.toContain('user_data');
  });
});
