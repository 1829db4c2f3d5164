/** apply(): an exported status that cannot be adopted refuses a new host only (no server: view/list stubbed). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { MetalflowClient } from '../../../src/client/metalflow-client.js';
import { HostNotFoundError, InvalidManifestError } from '../../../src/client/errors.js';
import type { HostView } from '../../../src/contract/index.js';
import { createKeys, readPublicKey } from '../../../src/secrets/key-store.js';
import { Sealer } from '../../../src/secrets/sealer.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const tmp = mkdtempSync(join(tmpdir(), 'mf-apply-'));
const keys = join(tmp, 'keys');
afterAll(() => removeTempDir(tmp)); // the private sealing key must not outlive the test
createKeys(keys);
const sealer = Sealer.fromPublicKey(readPublicKey(keys));

const manifest = `apiVersion: v1
kind: Secret
metadata: {name: bmc, namespace: metal3}
stringData: {username: u, password: p}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: worker-0, namespace: metal3}
spec:
  online: true
  bmc: {address: "redfish+http://192.0.2.1:8000/redfish/v1/Systems/1", credentialsName: bmc}
status:
  provisioning: {state: deprovisioning, ID: x}
`;

class StubClient extends MetalflowClient {
  sent = 0;
  constructor(private readonly existing: HostView | undefined) {
    const temporal = { workflow: { executeUpdateWithStart: () => { this.sent += 1; return Promise.resolve({ generation: 2, changed: false }); } } } as unknown as Client;
    super(temporal, { address: 'x', namespace: 'default' }, sealer);
  }
  override view(namespace: string, name: string): Promise<HostView> {
    return this.existing ? Promise.resolve(this.existing) : Promise.reject(new HostNotFoundError(namespace, name));
  }
  override views(): Promise<HostView[]> {
    return Promise.resolve(this.existing ? [this.existing] : []);
  }
}

describe('apply: a status in a transient state', () => {
  it('refuses a new host (nothing applied)', async () => {
    const client = new StubClient(undefined);
    const err = await client.apply([{ name: 'export.yaml', text: manifest }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidManifestError);
    expect((err as InvalidManifestError).errors.map((e) => e.field)).toEqual(['status.provisioning.state']);
    expect(client.sent).toBe(0);
  });

  it('is ignored, with a warning, for a host that already exists', async () => {
    const existing = {
      name: 'worker-0', namespace: 'metal3', detached: false, deleting: false, secretRefs: {},
      spec: { online: true, bmc: { address: 'redfish+http://192.0.2.1:8000/redfish/v1/Systems/1', credentialsName: 'bmc' } },
      status: { provisioning: { state: 'provisioned', ID: 'x' } },
    } as unknown as HostView;
    const client = new StubClient(existing);
    const r = await client.apply([{ name: 'export.yaml', text: manifest }]);
    expect(r.hosts.map((h) => h.result)).toEqual(['unchanged']);
    expect(r.warnings).toContain('BareMetalHost metal3/worker-0: status ignored: host already managed (state provisioned)');
    expect(client.sent).toBe(1);
  });
});
