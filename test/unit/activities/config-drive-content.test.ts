import { describe, expect, it } from 'vitest';
import { configDriveContent } from '../../../src/activities/config-drive-content.js';
import { Keyring } from '../../../src/secrets/keyring.js';

const k = Keyring.fromKey(Buffer.alloc(32, 7));
const host = { uuid: 'u-1', name: 'host-0', namespace: 'metal3' };

describe('config drive content (Metal3 defaults)', () => {
  it('lays the metaData Secret over the default meta data and parses networkData', () => {
    const c = configDriveContent(host, {
      metaData: k.seal('md', { metaData: 'local-hostname: custom\nrack: r1\n' }),
      networkData: k.seal('nd', { networkData: '{"links": [], "networks": []}' }),
      userData: k.seal('ud', { userData: '#cloud-config\n' }),
    }, k);
    expect(c.metaData).toEqual({ uuid: 'u-1', 'metal3-namespace': 'metal3', 'metal3-name': 'host-0', 'local-hostname': 'custom', local_hostname: 'host-0', name: 'host-0', rack: 'r1' });
    expect(c.networkData).toEqual({ links: [], networks: [] });
    expect(c.userData).toBe('#cloud-config\n');
  });

  it('falls back to the preprovisioning network Secret and the `value` user data key', () => {
    const c = configDriveContent(host, {
      preprovisioningNetworkData: k.seal('net', { networkData: 'interfaces: []\n' }),
      userData: k.seal('ud', { value: 'ignition' }),
    }, k);
    expect(c.networkData).toEqual({ interfaces: [] });
    expect(c.userData).toBe('ignition');
  });

  it('has only the defaults without Secrets', () => {
    expect(configDriveContent(host, {}, k)).toEqual({ metaData: expect.objectContaining({ uuid: 'u-1', name: 'host-0' }) });
  });
});
