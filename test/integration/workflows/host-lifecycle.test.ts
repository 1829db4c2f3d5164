/**
 * The whole Metal3 lifecycle on a real Temporal dev server with the fake driver: apply → available →
 * provisioned → deprovision (via the temporal CLI) → available → delete; search attributes; secrets
 * absent from history; recorded histories replay deterministically.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HostNotFoundError } from '../../../src/client/errors.js';
import { deleteSignal, hostWorkflowId } from '../../../src/contract/index.js';
import { replayHistories } from '../../helpers/replay.js';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-lifecycle';
const HOSTS = ['node-a', 'node-b', 'node-c'];
const USER_DATA = '#cloud-config\nhostname: node-a\npassword: VeryPrivateUserDataValue\n';
const stack = useTestStack();


const manifest = (withImages: boolean): { name: string; text: string } => ({
  name: 'hosts.yaml',
  text: fakeHostsManifest(NS, HOSTS.map((name) => ({ name, image: withImages, ...(name === 'node-a' ? { userData: USER_DATA, hardwareProfile: 'dell' } : {}) }))),
});

describe('host lifecycle', () => {
  it('applies three hosts from one manifest and brings them to available', async () => {
    const result = await stack.client.apply([manifest(false)]);
    expect(result.hosts.map((h) => `${h.name} ${h.result}`)).toEqual(HOSTS.map((h) => `${h} created`));
    for (const name of HOSTS) {
      // online: true is enforced once available (inspection left the machine off).
      const v = await stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available' && h.status.poweredOn, 60_000);
      expect(v.status.operationalStatus).toBe('OK');
      expect(v.status.hardware?.storage).toHaveLength(2);
      expect(v.status.goodCredentials?.credentials.name).toBe('bmc-creds');
      expect(v.status.operationHistory.register.end).not.toBeNull();
      expect(v.status.operationHistory.inspect.end).not.toBeNull();
      // spec.hardwareProfile is reported in status (BMO getHardwareProfileName), not dropped.
      expect(v.status.hardwareProfile).toBe(name === 'node-a' ? 'dell' : 'unknown');
      expect(stack.fakeState(NS, name)?.poweredOn).toBe(true);
    }
  });

  it('re-applying the same manifest changes nothing', async () => {
    const result = await stack.client.apply([manifest(false)]);
    expect(result.hosts.map((h) => h.result)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('setting images provisions every host', async () => {
    const result = await stack.client.apply([manifest(true)]);
    expect(result.hosts.map((h) => h.result)).toEqual(['configured', 'configured', 'configured']);
    for (const name of HOSTS) {
      const v = await stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'provisioned', 60_000);
      expect(v.status.provisioning.image?.url).toBe(`http://images.test.invalid/${name}.qcow2`);
      expect(v.generation).toBe(2);
      const machine = stack.fakeState(NS, name);
      expect(machine?.disks[0]?.image).toBe(`http://images.test.invalid/${name}.qcow2`);
      expect(machine?.effects.map((e) => e.what)).toContain('erased partition tables'); // first provisioning cleans
    }
    expect(stack.fakeState(NS, 'node-a')?.disks[0]?.configDrive).toBe(true);
  });

  it('keeps search attributes current for `temporal workflow list --query`', async () => {
    const out = await stack.temporal(['workflow', 'list', '--query', `BmhState='provisioned' AND BmhNamespace='${NS}' AND BmhPoweredOn=true`, '-o', 'json']);
    const ids = (JSON.parse(out) as Array<{ execution: { workflowId: string } }>).map((w) => w.execution.workflowId).sort();
    expect(ids).toEqual(HOSTS.map((h) => hostWorkflowId(NS, h)));
  });

  it('`temporal workflow signal --name deprovision` returns a host to available, cleaned', async () => {
    await stack.temporal(['workflow', 'signal', '--workflow-id', hostWorkflowId(NS, 'node-b'), '--name', 'deprovision']);
    const v = await stack.client.waitFor(NS, 'node-b', (h) => h.status.provisioning.state === 'available', 60_000);
    expect(v.spec.image).toBeUndefined();
    expect(v.status.provisioning.image).toBeUndefined();
    expect(v.status.operationHistory.deprovision.end).not.toBeNull();
    expect(stack.fakeState(NS, 'node-b')?.disks.every((d) => !d.partitionTable && !d.image)).toBe(true);
    const out = await stack.temporal(['workflow', 'list', '--query', `BmhState='available' AND BmhNamespace='${NS}'`, '-o', 'json']);
    expect((JSON.parse(out) as unknown[]).length).toBe(1);
  });

  it('delete deprovisions, powers off and completes the workflow', async () => {
    await stack.client.signal(NS, 'node-c', deleteSignal);
    await stack.client.waitDeleted(NS, 'node-c', 60_000);
    const d = await stack.client.handle(NS, 'node-c').describe();
    expect(d.status.name).toBe('COMPLETED');
    await expect(stack.client.view(NS, 'node-c')).rejects.toThrow(HostNotFoundError);
    expect(stack.fakeState(NS, 'node-c')).toBeUndefined(); // forgotten by the driver
  });

  it('never writes secret values into workflow history', async () => {
    for (const name of ['node-a', 'node-c']) {
      const raw = await stack.temporal(['workflow', 'show', '--workflow-id', hostWorkflowId(NS, name), '-o', 'json']);
      const history = raw + decodedPayloads(JSON.parse(raw));
      expect(history).toContain('"sealed":'); // the Secrets are there, encrypted
      expect(history).toContain('bmc-creds');
      for (const plain of ['SuperSecretBmcPassword', 'VeryPrivateUserDataValue', Buffer.from('SuperSecretBmcPassword').toString('base64')]) {
        expect(history).not.toContain(plain);
      }
    }
    expect(stack.workerLogs()).not.toContain('SuperSecretBmcPassword');
  });

  it('replays every recorded history with the current workflow code', async () => {
    const histories = await Promise.all(HOSTS.map(async (name) => ({ workflowId: hostWorkflowId(NS, name), history: await stack.client.handle(NS, name).fetchHistory() })));
    if (process.env.RECORD_HISTORIES) {
      const dir = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      // The `temporal workflow show -o json` format (proto3 JSON), as operators would export it.
      for (const h of histories) {
        writeFileSync(`${dir}${h.workflowId.replace(/\//g, '_')}.json`, await stack.temporal(['workflow', 'show', '--workflow-id', h.workflowId, '-o', 'json']));
      }
    }
    const { replayed, failures } = await replayHistories(histories);
    expect(failures).toEqual([]);
    expect(replayed).toBe(3);
  });
});

describe('an empty bmc block (Metal3: no BMC details)', () => {
  it('spec.bmc: {} is an unmanaged host (opStatus discovered) until BMC details are added, then it registers', async () => {
    const withBmc = fakeHostsManifest(NS, [{ name: 'node-u', online: false }]);
    const noBmc = withBmc.replace('  bmc:\n    address: fake://node-u\n    credentialsName: bmc-creds', '  bmc: {}');
    expect(noBmc).not.toBe(withBmc);
    await stack.client.apply([{ name: 'u.yaml', text: noBmc }]);
    const v = await stack.client.waitFor(NS, 'node-u', (h) => h.status.provisioning.state === 'unmanaged', 30_000);
    expect(v.status.operationalStatus).toBe('discovered');
    expect(stack.fakeState(NS, 'node-u')?.effects ?? []).toEqual([]);
    await stack.client.apply([{ name: 'u.yaml', text: withBmc }]);
    await stack.client.waitFor(NS, 'node-u', (h) => h.status.provisioning.state === 'available', 60_000);
  });
});

/** Every payload's `data` in a `temporal workflow show -o json` history, base64-decoded. */
function decodedPayloads(node: unknown): string {
  if (Array.isArray(node)) return node.map(decodedPayloads).join('\n');
  if (typeof node !== 'object' || node === null) return '';
  const obj = node as Record<string, unknown>;
  const own = typeof obj.data === 'string' && typeof obj.metadata === 'object' ? Buffer.from(obj.data, 'base64').toString('utf8') : '';
  return [own, ...Object.values(obj).map(decodedPayloads)].join('\n');
}
