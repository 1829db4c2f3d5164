/** `apply -n NS`: the namespace check runs before anything else, over every BareMetalHost document. */
import { describe, expect, it } from 'vitest';
import { checkNamespace } from '../../../src/client/cli/main.js';
import { InvalidManifestError } from '../../../src/client/errors.js';

// A re-applied `get -o yaml`: it names its credentials Secret without carrying it (sealed in the running host).
const exported = `apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: worker-0
  namespace: metal3
spec:
  online: true
  bootMACAddress: 52:54:00:00:00:01
  bmc:
    address: redfish+http://192.0.2.1:8000/redfish/v1/Systems/1
    credentialsName: worker-0-bmc
`;
const sources = [{ name: 'export.yaml', text: exported }];

describe('apply -n NS', () => {
  it('accepts a re-applied export in that namespace without its Secrets (they are checked against the server later)', () => {
    expect(() => checkNamespace(sources, 'metal3')).not.toThrow();
  });

  it('refuses a host in another namespace, even one with other errors', () => {
    let err: unknown;
    try {
      checkNamespace(sources, 'other');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidManifestError);
    expect((err as InvalidManifestError).errors.map((e) => `${e.field}: ${e.reason}`)).toEqual(['metadata.namespace: the namespace from the provided object "metal3" does not match the namespace "other"; pass -n metal3 or leave -n out']);
  });
});
