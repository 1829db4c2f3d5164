/**
 * BMO's annotations and spec.disablePowerOff on a real Temporal dev server with the fake driver:
 * re-inspection, hardware details, reboot annotations (keyed ones hold power off), detached with
 * deleteAction, paused, the status annotation on an existing host, and a lifecycle that never
 * powers off. Annotations change the way a Metal3 user changes them: by applying the file again,
 * or `annotate` (kubectl annotate).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HostView } from '../../../src/contract/index.js';
import { deleteSignal, deprovisionSignal, hostWorkflowId } from '../../../src/contract/index.js';
import { replayHistories } from '../../helpers/replay.js';
import { useTestStack } from '../../helpers/stack.js';

const NS = 'it-annotations';
const stack = useTestStack();
const TIMEOUT = 60_000;

interface HostOpts {
  annotations?: Record<string, string>;
  image?: boolean;
  spec?: string;
}

let macSeq = 0x10;
const macs = new Map<string, string>();
const macOf = (name: string): string => {
  if (!macs.has(name)) macs.set(name, `52:54:00:aa:00:${(macSeq++).toString(16).padStart(2, '0')}`);
  return macs.get(name) ?? '';
};

/** One fake host (with a boot MAC, so inspection may be disabled) and its credentials. */
function manifest(name: string, o: HostOpts = {}): { name: string; text: string } {
  const annotations = Object.entries(o.annotations ?? {}).map(([k, v]) => `\n    ${k}: ${JSON.stringify(v)}`).join('');
  const text = `apiVersion: v1
kind: Secret
metadata:
  name: bmc-creds
  namespace: ${NS}
stringData:
  username: admin
  password: pw
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: ${name}
  namespace: ${NS}${annotations ? `\n  annotations:${annotations}` : ''}
spec:
  online: true
  bootMACAddress: ${macOf(name)}
  bmc:
    address: fake://${name}
    credentialsName: bmc-creds${o.image ? `
  image:
    url: http://images.test.invalid/${name}.qcow2
    checksum: http://images.test.invalid/${name}.qcow2.sha256sum
    checksumType: sha256
    format: qcow2` : ''}${o.spec ?? ''}
`;
  return { name: `${name}.yaml`, text };
}

const apply = (name: string, o: HostOpts = {}) => stack.client.apply([manifest(name, o)]);
const waitFor = (name: string, p: (v: HostView) => boolean) => stack.client.waitFor(NS, name, p, TIMEOUT, 200);
const effects = (name: string) => stack.fakeState(NS, name)?.effects ?? [];
const effectsOf = (name: string, what: string) => effects(name).filter((e) => e.what === what);

describe('annotations', () => {
  it('inspect.metal3.io: "" re-inspects an available host and is removed when inspection starts', async () => {
    await apply('reinspect');
    const first = await waitFor('reinspect', (v) => v.status.provisioning.state === 'available' && v.status.poweredOn);
    expect(effectsOf('reinspect', 'inspected')).toHaveLength(1);
    const r = await apply('reinspect', { annotations: { 'inspect.metal3.io': '' } });
    expect(r.hosts[0]?.result).toBe('configured');
    const v = await waitFor('reinspect', (h) => h.status.provisioning.state === 'available' && (h.status.operationHistory.inspect.end ?? '') > (first.status.operationHistory.inspect.end ?? ''));
    expect(v.annotations).not.toHaveProperty('inspect.metal3.io');
    expect(v.generation).toBe(first.generation + 2); // the apply, then the annotation's removal
    expect(effectsOf('reinspect', 'inspected')).toHaveLength(2);
  });

  it('inspect.metal3.io/hardwaredetails with inspection disabled becomes status.hardware without an inspection', async () => {
    const details = JSON.stringify({ cpu: { arch: 'x86_64', count: 48, model: 'Given CPU' }, ramMebibytes: 65536, storage: [{ name: '/dev/nvme0n1', sizeBytes: 960000000000, type: 'NVME' }] });
    await apply('hwdetails', { annotations: { 'inspect.metal3.io': 'disabled', 'inspect.metal3.io/hardwaredetails': details } });
    const v = await waitFor('hwdetails', (h) => h.status.provisioning.state === 'available');
    expect(v.status.hardware?.cpu?.count).toBe(48);
    expect(v.status.hardware?.storage?.[0]?.name).toBe('/dev/nvme0n1');
    expect(v.annotations).not.toHaveProperty('inspect.metal3.io/hardwaredetails');
    expect(v.annotations['inspect.metal3.io']).toBe('disabled');
    expect(v.notes).toContain('Set HardwareDetails from annotation');
    expect(effectsOf('hwdetails', 'inspected')).toHaveLength(0);
  });

  it('keyed reboot annotations hold a provisioned host off until every one is removed', async () => {
    await apply('phased', { image: true });
    await waitFor('phased', (v) => v.status.provisioning.state === 'provisioned' && v.status.poweredOn);
    await apply('phased', { image: true, annotations: { 'reboot.metal3.io/a': '', 'reboot.metal3.io/b': '{"mode":"hard"}' } });
    await waitFor('phased', (v) => !v.status.poweredOn && v.currentStep === 'held powered off by reboot.metal3.io/a, reboot.metal3.io/b');
    expect(stack.fakeState(NS, 'phased')?.poweredOn).toBe(false);
    expect(effects('phased').at(-1)?.opId).toMatch(/-power-off-reboot-hard$/); // any hard request wins

    await stack.client.annotate(NS, 'phased', [{ key: 'reboot.metal3.io/a' }], false);
    await waitFor('phased', (v) => v.currentStep === 'held powered off by reboot.metal3.io/b');
    expect(stack.fakeState(NS, 'phased')?.poweredOn).toBe(false);

    await stack.client.annotate(NS, 'phased', [{ key: 'reboot.metal3.io/b' }], false);
    await waitFor('phased', (v) => v.status.poweredOn);
    expect(stack.fakeState(NS, 'phased')?.poweredOn).toBe(true);
    expect(effects('phased').at(-1)?.what).toBe('power on');
  });

  it('the base reboot.metal3.io powers off and on once, soft, and disappears', async () => {
    const before = effects('phased').length;
    await stack.client.annotate(NS, 'phased', [{ key: 'reboot.metal3.io', value: '' }], false);
    const v = await waitFor('phased', (h) => !('reboot.metal3.io' in h.annotations) && h.status.poweredOn);
    const cycle = effects('phased').slice(before);
    expect(cycle.map((e) => e.what)).toEqual(['power off', 'power on']);
    expect(cycle[0]?.opId).toMatch(/-power-off-reboot-soft$/);
    expect(v.status.provisioning.state).toBe('provisioned');
  });

  it('outside provisioned states only a forced reboot annotation counts; a failed soft power off says the next is hard', async () => {
    await stack.client.annotate(NS, 'reinspect', [{ key: 'reboot.metal3.io/plain', value: '' }], false);
    const started = stack.fakeState(NS, 'reinspect')?.started.power ?? 0;
    // The next power operation of this machine fails (the fake counts power operations per machine).
    await stack.client.annotate(NS, 'reinspect', [{ key: 'fake.metalflow.io/fail', value: `power=${started + 1}` }, { key: 'reboot.metal3.io/plain' }, { key: 'reboot.metal3.io/forced', value: '{"force":true}' }], false);
    const v = await waitFor('reinspect', (h) => h.status.errorType === 'power management error');
    expect(v.status.errorMessage).toMatch(/^Continuing with hard poweroff after soft poweroff fails\. More details: /);
    expect(stack.fakeState(NS, 'reinspect')?.ops).toHaveProperty([Object.keys(stack.fakeState(NS, 'reinspect')?.ops ?? {}).find((k) => k.endsWith('-power-off-reboot-soft')) ?? 'none']);
    await stack.client.annotate(NS, 'reinspect', [{ key: 'reboot.metal3.io/forced' }, { key: 'fake.metalflow.io/fail' }], false);
    await waitFor('reinspect', (h) => h.status.poweredOn && !('reboot.metal3.io/forced' in h.annotations));
  });

  it('annotate refuses to replace a value without --overwrite, and checks values like apply', async () => {
    await stack.client.annotate(NS, 'phased', [{ key: 'example.com/owner', value: 'team-a' }], false);
    await expect(stack.client.annotate(NS, 'phased', [{ key: 'example.com/owner', value: 'team-b' }], false)).rejects.toThrow("'example.com/owner' already has a value (team-a), and --overwrite is false");
    await stack.client.annotate(NS, 'phased', [{ key: 'example.com/owner', value: 'team-b' }], true);
    expect((await stack.client.view(NS, 'phased')).annotations['example.com/owner']).toBe('team-b');
    await expect(stack.client.annotate(NS, 'phased', [{ key: 'inspect.metal3.io/hardwaredetails', value: '{"cpu":{}}' }], false)).rejects.toThrow(
      'when hardware details are provided, inspection must be disabled',
    );
  });

  it('detached by annotation: deleting skips deprovisioning and power off', async () => {
    await apply('detach-me', { image: true });
    await waitFor('detach-me', (v) => v.status.provisioning.state === 'provisioned' && v.status.poweredOn);
    await apply('detach-me', { image: true, annotations: { 'baremetalhost.metal3.io/detached': '' } });
    await waitFor('detach-me', (v) => v.status.operationalStatus === 'detached' && v.currentStep === 'detached');
    const history = await stack.client.handle(NS, 'detach-me').fetchHistory();
    const before = activityTypes(history).length;
    await stack.client.signal(NS, 'detach-me', deleteSignal);
    await stack.client.waitDeleted(NS, 'detach-me', TIMEOUT);
    const after = activityTypes(await stack.client.handle(NS, 'detach-me').fetchHistory()).slice(before);
    expect(after).toEqual(['forgetHost']);
  });

  it('detached with deleteAction: delay keeps a deleted host until the annotation is removed', async () => {
    await apply('delay-me');
    await waitFor('delay-me', (v) => v.status.provisioning.state === 'available' && v.status.poweredOn);
    await apply('delay-me', { annotations: { 'baremetalhost.metal3.io/detached': '{"deleteAction":"delay"}' } });
    await waitFor('delay-me', (v) => v.status.operationalStatus === 'detached');
    await stack.client.signal(NS, 'delay-me', deleteSignal);
    const v = await waitFor('delay-me', (h) => h.deleting && h.currentStep === 'detached');
    expect(v.status.provisioning.state).toBe('available');
    await stack.client.annotate(NS, 'delay-me', [{ key: 'baremetalhost.metal3.io/detached' }], false);
    await stack.client.waitDeleted(NS, 'delay-me', TIMEOUT);
  });

  it('detached with deleteAction: delay does not make a host deleted mid-inspection skip its power off (BMO delayDeleteForDetachedHost)', async () => {
    const annotations = { 'fake.metalflow.io/fail': 'inspect=1', 'baremetalhost.metal3.io/detached': '{"deleteAction":"delay"}' };
    await apply('delay-inspect', { annotations });
    await waitFor('delay-inspect', (v) => v.status.provisioning.state === 'inspecting' && v.status.errorType === 'inspection error');
    const before = activityTypes(await stack.client.handle(NS, 'delay-inspect').fetchHistory()).length;
    await stack.client.signal(NS, 'delay-inspect', deleteSignal);
    await stack.client.waitDeleted(NS, 'delay-inspect', TIMEOUT);
    const after = activityTypes(await stack.client.handle(NS, 'delay-inspect').fetchHistory()).slice(before);
    expect(after).not.toEqual(['forgetHost']); // not deleted as it is
    expect(after).toContain('setPowerState');
    expect(after.at(-1)).toBe('forgetHost');
  });

  it('paused by annotation: nothing runs until it is removed', async () => {
    await apply('pause-me');
    await waitFor('pause-me', (v) => v.status.provisioning.state === 'available' && v.status.poweredOn);
    await apply('pause-me', { annotations: { 'baremetalhost.metal3.io/paused': '' } });
    await waitFor('pause-me', (v) => v.paused && v.currentStep === 'paused');
    const r = await apply('pause-me', { image: true, annotations: { 'baremetalhost.metal3.io/paused': '' } });
    expect(r.hosts[0]?.result).toBe('configured');
    const v = await waitFor('pause-me', (h) => h.generation === r.hosts[0]?.generation);
    expect(v.pausedBy).toEqual(['annotation']);
    expect(v.currentStep).toBe('paused');
    expect(v.status.provisioning.state).toBe('available');
    expect(effects('pause-me').some((e) => e.what.startsWith('wrote '))).toBe(false);
    await apply('pause-me', { image: true });
    await waitFor('pause-me', (h) => h.status.provisioning.state === 'provisioned');
    expect(effects('pause-me').some((e) => e.what.startsWith('wrote '))).toBe(true);
  });

  it('`metalflow annotate` edits annotations with kubectl\'s --overwrite rule; describe says what paused a host', async () => {
    const set = await stack.metalflow(['annotate', 'pause-me', '-n', NS, 'baremetalhost.metal3.io/paused=ops']);
    expect(set).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/pause-me annotated\n' });
    const again = await stack.metalflow(['annotate', 'pause-me', '-n', NS, 'baremetalhost.metal3.io/paused=ops2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("'baremetalhost.metal3.io/paused' already has a value (ops), and --overwrite is false");
    expect((await stack.metalflow(['annotate', 'pause-me', '-n', NS, 'baremetalhost.metal3.io/paused=ops2', '--overwrite'])).code).toBe(0);
    await waitFor('pause-me', (v) => v.currentStep === 'paused');
    const described = await stack.metalflow(['describe', 'pause-me', '-n', NS]);
    expect(described.stdout).toMatch(/Paused:\s+true \(by annotation\)/);
    const bad = await stack.metalflow(['annotate', 'pause-me', '-n', NS, 'novalue']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('annotate: invalid annotation format: novalue');
    expect((await stack.metalflow(['annotate', 'pause-me', '-n', NS, 'baremetalhost.metal3.io/paused-'])).code).toBe(0);
    const v = await waitFor('pause-me', (h) => !h.paused && h.currentStep !== 'paused');
    expect(v.annotations).not.toHaveProperty('baremetalhost.metal3.io/paused');
  });

  it('the status annotation on an existing host is dropped: by the client with a warning, by the workflow with a note', async () => {
    const status = JSON.stringify({ operationalStatus: 'OK', provisioning: { state: 'available' } });
    await apply('status-anno');
    await waitFor('status-anno', (h) => h.status.provisioning.state === 'available');
    const r = await apply('status-anno', { image: true, annotations: { 'baremetalhost.metal3.io/status': status } });
    expect(r.warnings.join('\n')).toContain('BareMetalHost it-annotations/status-anno: status ignored: host already managed');
    expect((await stack.client.view(NS, 'status-anno')).annotations).not.toHaveProperty('baremetalhost.metal3.io/status');
    // What reached the workflow had no status annotation (the client dropped it), nor has an annotate without it: no note.
    await stack.client.annotate(NS, 'status-anno', [{ key: 'example.com/owner', value: 'ops' }], false);
    const quiet = await stack.client.view(NS, 'status-anno');
    expect((quiet.notes ?? []).filter((n) => n.includes('status annotation ignored'))).toEqual([]);
    // Sent past the client (the annotate update), the workflow drops it and says so.
    await stack.client.annotate(NS, 'status-anno', [{ key: 'baremetalhost.metal3.io/status', value: status }], false);
    const v = await stack.client.view(NS, 'status-anno');
    expect(v.annotations).not.toHaveProperty('baremetalhost.metal3.io/status');
    expect(v.notes).toContain('baremetalhost.metal3.io/status annotation ignored: the host already has a status');
  });
});

describe('spec.disablePowerOff', () => {
  it('a whole lifecycle reboots where it would power off: zero power-off effects', async () => {
    const spec = '\n  disablePowerOff: true';
    await apply('never-off', { spec });
    const a = await waitFor('never-off', (v) => v.status.provisioning.state === 'available');
    expect(a.status.poweredOn).toBe(true);
    await apply('never-off', { spec, image: true });
    await waitFor('never-off', (v) => v.status.provisioning.state === 'provisioned');
    await stack.client.annotate(NS, 'never-off', [{ key: 'reboot.metal3.io', value: '' }], false);
    await waitFor('never-off', (v) => !('reboot.metal3.io' in v.annotations));
    await stack.client.signal(NS, 'never-off', deprovisionSignal);
    const d = await waitFor('never-off', (v) => v.status.provisioning.state === 'available' && v.status.operationHistory.deprovision.end !== null);
    expect(d.status.poweredOn).toBe(true);
    const all = effects('never-off');
    expect(all.filter((e) => e.what === 'power off')).toEqual([]);
    expect(all.filter((e) => e.what.startsWith('reboot')).length).toBeGreaterThanOrEqual(3); // inspection end, the annotation, deprovisioning end
    const before = activityTypes(await stack.client.handle(NS, 'never-off').fetchHistory()).length;
    await stack.client.signal(NS, 'never-off', deleteSignal);
    await stack.client.waitDeleted(NS, 'never-off', TIMEOUT);
    const after = activityTypes(await stack.client.handle(NS, 'never-off').fetchHistory()).slice(before);
    expect(after).not.toContain('setPowerState');
  });
});

describe('determinism', () => {
  it('every annotation and disablePowerOff run above replays with the current workflow code', async () => {
    const names = ['reinspect', 'hwdetails', 'phased', 'detach-me', 'delay-me', 'pause-me', 'never-off'];
    const histories = await Promise.all(names.map(async (name) => ({ workflowId: hostWorkflowId(NS, name), history: await stack.client.handle(NS, name).fetchHistory() })));
    if (process.env.RECORD_HISTORIES) {
      // Replay fixtures for the new paths (reboot annotations; disablePowerOff), as host-lifecycle records its own.
      const dir = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));
      for (const name of ['phased', 'never-off']) {
        const id = hostWorkflowId(NS, name);
        writeFileSync(`${dir}${id.replace(/\//g, '_')}.json`, await stack.temporal(['workflow', 'show', '--workflow-id', id, '-o', 'json']));
      }
    }
    const { replayed, failures } = await replayHistories(histories);
    expect(failures).toEqual([]);
    expect(replayed).toBe(names.length);
  });
});

/** The activity types a history scheduled, in order. */
function activityTypes(history: { events?: Array<{ activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null }> | null }): string[] {
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}
