/**
 * Migration from Metal3 on a real Temporal dev server with the fake driver: a `kubectl get -o yaml`
 * export (kind: List with status) is adopted — registered and checked, never inspected, cleaned or
 * re-imaged — and our own `get -o yaml` applies back unchanged, or into a fresh namespace and task
 * queue as the same adoption.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FakeMachineState } from '../../../src/bmc/fake/fake-hardware.js';
import type { BareMetalHostStatus } from '../../../src/api/types.js';
import { useTestStack } from '../../helpers/stack.js';

const NS = 'metal3';
const COPY_NS = 'metal3-copy';
const exportText = readFileSync('test/fixtures/metal3-export/list.yaml', 'utf8');
const exported = (parse(exportText) as { items: Array<{ kind: string; metadata: { name: string }; status?: BareMetalHostStatus }> }).items;
const exportedStatus = (name: string): BareMetalHostStatus => exported.find((i) => i.kind === 'BareMetalHost' && i.metadata.name === name)?.status as BareMetalHostStatus;
const secretText = (namespace: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'worker-bmc-secret', namespace }, stringData: { username: 'admin', password: 'Metal3ExportedPassword' } });

const stack = useTestStack();
const fresh = useTestStack();

/** Only registration and power: nothing inspected, cleaned or written. */
function expectNoReimage(machine: FakeMachineState | undefined): void {
  expect(machine).toBeDefined();
  const steps = new Set(machine?.effects.map((e) => e.step));
  expect([...steps].filter((s) => s !== 'register' && s !== 'power'), JSON.stringify(machine?.effects)).toEqual([]);
  expect(steps.has('register')).toBe(true);
  expect(machine?.disks.some((d) => d.image !== undefined)).toBe(false);
}

describe('adoption of hosts exported from Metal3', () => {
  it('adopts provisioned, externally provisioned and ready hosts without inspection, cleaning or deployment', async () => {
    const result = await stack.client.apply([{ name: 'list.yaml', text: exportText }]);
    expect(result.hosts.map((h) => `${h.name} ${h.result}`)).toEqual(['worker-0 created', 'legacy-db created', 'spare-2 created']);

    const worker = await stack.client.waitFor(NS, 'worker-0', (h) => h.status.provisioning.state === 'provisioned' && h.status.poweredOn, 60_000);
    const was = exportedStatus('worker-0');
    expect(worker.status.operationalStatus).toBe('OK');
    expect(worker.status.provisioning.ID).toBe(was.provisioning.ID);
    expect(worker.status.provisioning.image).toEqual(was.provisioning.image);
    expect(worker.status.operationHistory.provision).toEqual(was.operationHistory.provision);
    expect(worker.status.operationHistory.inspect).toEqual(was.operationHistory.inspect);
    expect(worker.status.hardware?.cpu?.model).toBe('Intel Xeon');
    expect(worker.status.hardwareProfile).toBe('unknown');
    expect(worker.status.goodCredentials?.credentialsVersion).not.toBe('18231'); // registered anew with our own version
    expect(worker.labels).toEqual({ 'cluster.x-k8s.io/cluster-name': 'prod', role: 'worker' });
    expect(worker.annotations).toEqual({}); // last-applied-configuration dropped
    expectNoReimage(stack.fakeState(NS, 'worker-0'));

    const db = await stack.client.waitFor(NS, 'legacy-db', (h) => h.status.provisioning.state === 'externally provisioned' && h.status.poweredOn, 60_000);
    expect(db.status.provisioning.ID).toBe(exportedStatus('legacy-db').provisioning.ID);
    expectNoReimage(stack.fakeState(NS, 'legacy-db'));

    // `ready` (BMO's legacy available): registered, then available on the imported hardware, not inspected.
    const spare = await stack.client.waitFor(NS, 'spare-2', (h) => h.status.provisioning.state === 'available', 60_000);
    expect(spare.status.hardware?.ramMebibytes).toBe(8192);
    expect(spare.status.operationHistory.inspect).toEqual(exportedStatus('spare-2').operationHistory.inspect);
    expectNoReimage(stack.fakeState(NS, 'spare-2'));
  });

  it('re-applying the export to managed hosts ignores its status, with a warning', async () => {
    const result = await stack.client.apply([{ name: 'list.yaml', text: exportText }]);
    expect(result.hosts.map((h) => `${h.name} ${h.result}`)).toEqual(['worker-0 unchanged', 'legacy-db unchanged', 'spare-2 unchanged']);
    expect(result.warnings).toContain(`BareMetalHost ${NS}/worker-0: status ignored: host already managed (state provisioned)`);
  });

  it('`get -o yaml` applies back unchanged (no Secrets needed), and into a fresh namespace and task queue as the same adoption', async () => {
    const get = await stack.metalflow(['get', '-n', NS, '-o', 'yaml']);
    expect(get.code, get.stderr).toBe(0);
    const list = parse(get.stdout) as { apiVersion: string; kind: string; metadata: unknown; items: Array<{ metadata: Record<string, unknown> }> };
    expect([list.apiVersion, list.kind, list.metadata]).toEqual(['v1', 'List', { resourceVersion: '' }]);
    expect(Object.keys(list.items[2]?.metadata ?? {}).sort()).toEqual(['creationTimestamp', 'generation', 'labels', 'name', 'namespace', 'uid']);
    const file = join(stack.dataDir, 'hosts.yaml');
    writeFileSync(file, get.stdout);

    const again = await stack.metalflow(['apply', '-f', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('baremetalhost.metal3.io/legacy-db unchanged\nbaremetalhost.metal3.io/spare-2 unchanged\nbaremetalhost.metal3.io/worker-0 unchanged\n');
    expect(again.stderr).toContain('status ignored: host already managed (state provisioned)');

    // A fresh cluster: other namespace (and boot MACs, which name one host everywhere), other task queue and machines.
    const copy = get.stdout.replaceAll(`namespace: ${NS}\n`, `namespace: ${COPY_NS}\n`).replaceAll('52:54:00:6a:', '52:54:00:6b:');
    const result = await fresh.client.apply([{ name: 'hosts.yaml', text: copy }, { name: 'secret.yaml', text: secretText(COPY_NS) }]);
    expect(result.hosts.map((h) => `${h.name} ${h.result}`)).toEqual(['legacy-db created', 'spare-2 created', 'worker-0 created']);
    const worker = await fresh.client.waitFor(COPY_NS, 'worker-0', (h) => h.status.provisioning.state === 'provisioned' && h.status.poweredOn, 60_000);
    expect(worker.status.provisioning.ID).toBe(exportedStatus('worker-0').provisioning.ID);
    expect(worker.status.operationHistory.provision).toEqual(exportedStatus('worker-0').operationHistory.provision);
    await fresh.client.waitFor(COPY_NS, 'legacy-db', (h) => h.status.provisioning.state === 'externally provisioned', 60_000);
    await fresh.client.waitFor(COPY_NS, 'spare-2', (h) => h.status.provisioning.state === 'available', 60_000);
    expectNoReimage(fresh.fakeState(COPY_NS, 'spare-2'));
    expectNoReimage(fresh.fakeState(COPY_NS, 'worker-0'));
    expectNoReimage(fresh.fakeState(COPY_NS, 'legacy-db'));
  });
});
