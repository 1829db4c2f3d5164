import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDriveContent } from '../../../src/activities/config-drive-content.js';
import { SecretUnsealError } from '../../../src/errors.js';
import { createKeys, readPublicKey } from '../../../src/secrets/key-store.js';
import { Keyring } from '../../../src/secrets/keyring.js';
import type { SecretPurpose } from '../../../src/secrets/sealed-types.js';
import { Sealer } from '../../../src/secrets/sealer.js';

const dir = join(mkdtempSync(join(tmpdir(), 'cd-content-')), 'keys');
createKeys(dir);
const k = Keyring.load(dir);
const sealer = Sealer.fromPublicKey(readPublicKey(dir));
const host = { uuid: 'u-1', name: 'host-0', namespace: 'metal3' };
const seal = (purpose: SecretPurpose, name: string, data: Record<string, string>, namespace = host.namespace) => sealer.seal({ namespace, purpose }, name, data);

describe('config drive content (Metal3 defaults)', () => {
  it('lays the metaData Secret over the default meta data and parses networkData', () => {
    const c = configDriveContent(host, {
      metaData: seal('metaData', 'md', { metaData: 'local-hostname: custom\nrack: r1\n' }),
      networkData: seal('networkData', 'nd', { networkData: '{"links": [], "networks": []}' }),
      userData: seal('userData', 'ud', { userData: '#cloud-config\n' }),
    }, k);
    expect(c.metaData).toEqual({ uuid: 'u-1', 'metal3-namespace': 'metal3', 'metal3-name': 'host-0', 'local-hostname': 'custom', local_hostname: 'host-0', name: 'host-0', rack: 'r1' });
    expect(c.networkData).toEqual({ links: [], networks: [] });
    expect(c.userData).toBe('#cloud-config\n');
  });

  it('falls back to the preprovisioning network Secret and the `value` user data key', () => {
    const c = configDriveContent(host, {
      preprovisioningNetworkData: seal('preprovisioningNetworkData', 'net', { networkData: 'interfaces: []\n' }),
      userData: seal('userData', 'ud', { value: 'ignition' }),
    }, k);
    expect(c.networkData).toEqual({ interfaces: [] });
    expect(c.userData).toBe('ignition');
  });

  it('has only the defaults without Secrets', () => {
    expect(configDriveContent(host, {}, k)).toEqual({ metaData: expect.objectContaining({ uuid: 'u-1', name: 'host-0' }) });
  });

  it("refuses another namespace's userData copied into this host's spec, and a Secret sealed for another field", () => {
    const foreign = seal('userData', 'ud', { userData: '#cloud-config\npassword: theirs\n' }, 'other-tenant');
    expect(() => configDriveContent(host, { userData: foreign }, k)).toThrow(SecretUnsealError);
    const credentials = seal('credentials', 'ud', { username: 'admin', password: 'bmc' });
    expect(() => configDriveContent(host, { userData: credentials }, k)).toThrow(SecretUnsealError);
  });
});
