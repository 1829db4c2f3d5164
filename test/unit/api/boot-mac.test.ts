/** Two hosts with one boot MAC would share agent lookups and DHCP answers: refused at apply, naming both. */
import { describe, expect, it } from 'vitest';
import { bootMacConflicts } from '../../../src/api/boot-mac.js';
import { parseManifests } from '../../../src/api/manifest.js';

const host = (name: string, mac: string, namespace = 'metal3'): string => `---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  online: false
  bootMACAddress: "${mac}"
  bmc: {address: "redfish://10.0.0.1/redfish/v1/Systems/${name}", credentialsName: bmc}
`;
const secret = (namespace = 'metal3'): string => `---
apiVersion: v1
kind: Secret
metadata: {name: bmc, namespace: ${namespace}}
stringData: {username: admin, password: pw}
`;

describe('duplicate boot MACs', () => {
  it('are refused among the documents of one apply, naming both hosts', () => {
    const r = parseManifests([{ name: 'm.yaml', text: secret() + host('a', '52:54:00:00:00:01') + host('b', '52:54:00:00:00:01'.toUpperCase()) + host('c', '52:54:00:00:00:03') }]);
    expect(r.errors).toEqual([{ document: expect.stringContaining('metal3/b') as unknown as string, field: 'spec.bootMACAddress', reason: '52:54:00:00:00:01 is already the boot MAC of host metal3/a' }]);
  });

  it('are refused across namespaces too', () => {
    const r = parseManifests([{ name: 'm.yaml', text: secret() + secret('other') + host('a', '52:54:00:00:00:01') + host('a', '52:54:00:00:00:01', 'other') }]);
    expect(r.errors.map((e) => e.reason)).toEqual(['52:54:00:00:00:01 is already the boot MAC of host metal3/a']);
  });

  it('are refused against hosts that exist, but a host keeps its own MAC', () => {
    const incoming = [
      { namespace: 'metal3', name: 'a', bootMACAddress: '52:54:00:00:00:01' },
      { namespace: 'metal3', name: 'b', bootMACAddress: '52:54:00:00:00:02' },
      { namespace: 'metal3', name: 'c' },
    ];
    const existing = [
      { namespace: 'metal3', name: 'a', bootMACAddress: '52:54:00:00:00:01' },
      { namespace: 'prod', name: 'db', bootMACAddress: '52:54:00:00:00:02' },
    ];
    expect(bootMacConflicts(incoming, existing)).toEqual([
      { document: 'BareMetalHost metal3/b', field: 'spec.bootMACAddress', reason: '52:54:00:00:00:02 is already the boot MAC of host prod/db' },
    ]);
  });
});
