import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../../src/api/manifest.js';

const exportText = readFileSync('test/fixtures/metal3-export/list.yaml', 'utf8');

describe('a Metal3 export (kind: List with status)', () => {
  it('reads every item, keeps the status for adoption and drops the import-only annotations', () => {
    const parsed = parseManifests([{ name: 'list.yaml', text: exportText }]);
    expect(parsed.errors).toEqual([]);
    expect(parsed.hosts.map((h) => `${h.host.metadata.name} ${h.importedStatus?.state}`)).toEqual(['worker-0 provisioned', 'legacy-db externally provisioned', 'spare-2 available']); // ready is BMO's legacy available
    const worker = parsed.hosts[0];
    expect(worker?.importedStatus?.status.provisioning.ID).toBe('9f8e5a0b-2c47-4a8f-b3c5-5f0f3d6c7e21');
    expect(worker?.host.metadata.annotations).toBeUndefined(); // only last-applied-configuration was there
    expect(worker?.host.metadata.labels).toEqual({ 'cluster.x-k8s.io/cluster-name': 'prod', role: 'worker' });
    expect(worker?.secrets.credentials?.data.password).toBe('Metal3ExportedPassword');
  });

  it('reads the status annotation when the document has no status, and drops it', () => {
    const status = JSON.stringify({ operationalStatus: 'OK', provisioning: { state: 'available', ID: 'abc' }, poweredOn: false });
    const text = exportText.replace(/^ {2}status:\n(?: {4}.*\n)+/gm, '').replace('    annotations:\n', `    annotations:\n      baremetalhost.metal3.io/status: '${status}'\n`);
    const parsed = parseManifests([{ name: 'list.yaml', text }]);
    expect(parsed.errors).toEqual([]);
    expect(parsed.hosts.map((h) => h.importedStatus?.state)).toEqual(['available', undefined, undefined]);
    expect(parsed.hosts[0]?.host.metadata.annotations).toBeUndefined();
  });

  it('names the item of a List in errors', () => {
    const text = exportText.replace('state: provisioned', 'state: provisioning');
    const parsed = parseManifests([{ name: 'list.yaml', text }]);
    expect(parsed.errors).toEqual([]); // a transient state refuses adopting a new host only (client apply)
    expect(parsed.hosts[0]?.importedStatus).toBeUndefined();
    expect(parsed.hosts[0]?.adoptionErrors?.map((e) => `${e.document}: ${e.field}`)).toEqual(['list.yaml#1.items[1] (BareMetalHost metal3/worker-0): status.provisioning.state']);
  });

  it('rejects a bad status annotation with BMO\'s text', () => {
    const text = exportText.replace('    annotations:\n', `    annotations:\n      baremetalhost.metal3.io/status: '{"operationalStatus":"NotOK"}'\n`).replace(/^ {2}status:\n(?: {4}.*\n)+/gm, '');
    const parsed = parseManifests([{ name: 'list.yaml', text }]);
    expect(parsed.errors.map((e) => `${e.field}: ${e.reason}`)).toContain("metadata.annotations.baremetalhost.metal3.io/status: invalid operationalStatus 'NotOK' in the baremetalhost.metal3.io/status annotation");
  });

  it('accepts Secrets already sealed in the running host instead of the Secret documents', () => {
    const noSecrets = exportText.replace(/^- apiVersion: v1\n {2}kind: Secret\n(?: {2}.*\n)+/m, '');
    expect(parseManifests([{ name: 'l', text: noSecrets }]).errors.map((e) => e.field)).toContain('spec.bmc.credentialsName');
    const sealed = new Map([['worker-bmc-secret', new Set(['username', 'password'])]]);
    const parsed = parseManifests([{ name: 'l', text: noSecrets }], () => sealed);
    expect(parsed.errors).toEqual([]);
    expect(parsed.hosts[0]?.secrets.credentials).toBeUndefined();
  });
});
