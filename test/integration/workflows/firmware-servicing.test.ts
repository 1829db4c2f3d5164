/**
 * Firmware settings and components on the Temporal dev server with the fake driver (its BIOS is
 * emulated like sushy-tools'): applied in preparing; on a provisioned host with a HostUpdatePolicy
 * `onReboot`, applied by servicing at the next reboot (opStatus `servicing`, the host stays
 * provisioned, no clean or deploy); a failing setting is a `servicing error` with the usual backoff
 * and `retry`, and a corrected HostFirmwareSettings recovers it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hostWorkflowId, rebootSignal, retrySignal } from '../../../src/contract/index.js';
import { replayHistories } from '../../helpers/replay.js';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-firmware';
const stack = useTestStack();
const HOST = 'svc';
/** The firmware step takes 2 s so that `servicing` can be seen. */
const ANNOTATIONS = { 'fake.metalflow.io/durations': 'firmware=2s' };

const firmwareDocs = (settings: Record<string, string>, policy?: string): string =>
  [
    `---\napiVersion: metal3.io/v1alpha1\nkind: HostFirmwareSettings\nmetadata: {name: ${HOST}, namespace: ${NS}}\nspec:\n  settings: {${Object.entries(settings).map(([k, v]) => `${k}: "${v}"`).join(', ')}}`,
    `---\napiVersion: metal3.io/v1alpha1\nkind: HostFirmwareComponents\nmetadata: {name: ${HOST}, namespace: ${NS}}\nspec:\n  updates: [{component: bios, url: "http://fw.test.invalid/bios-1.1.bin"}]`,
    ...(policy ? [`---\napiVersion: metal3.io/v1alpha1\nkind: HostUpdatePolicy\nmetadata: {name: ${HOST}, namespace: ${NS}}\nspec: {firmwareSettings: ${policy}, firmwareUpdates: ${policy}}`] : []),
  ].join('\n');

const apply = (settings: Record<string, string>, policy?: string): ReturnType<typeof stack.client.apply> =>
  stack.client.apply([{ name: 'm.yaml', text: `${fakeHostsManifest(NS, [{ name: HOST, image: true, annotations: ANNOTATIONS }])}\n${firmwareDocs(settings, policy)}` }]);

const steps = (): string[] => (stack.fakeState(NS, HOST)?.effects ?? []).map((e) => e.step);

/** Waits until the fake machine recorded an effect (after the first `from`) matching `what`. */
async function effectSeen(from: number, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(stack.fakeState(NS, HOST)?.effects ?? []).slice(from).some((e) => e.what === what)) {
    if (Date.now() > deadline) throw new Error(`no fake effect "${what}" within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('firmware settings, components and servicing', () => {
  it('applies settings and updates in preparing; status shows settings, schema and components', async () => {
    await apply({ ProcTurboMode: 'Disabled' });
    const v = await stack.client.waitFor(NS, HOST, (h) => h.status.provisioning.state === 'provisioned', 120_000);
    expect(v.status.firmware?.settings).toMatchObject({ ProcTurboMode: 'Disabled', NumCores: '8' });
    expect(v.status.firmware?.schemaName).toMatch(/^schema-[0-9a-f]{8}$/);
    expect(v.status.firmware?.schema?.ProcTurboMode).toEqual({ attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'], read_only: false });
    expect(v.status.firmware?.components).toContainEqual(expect.objectContaining({ component: 'bios', initialVersion: '1.0.0', currentVersion: '1.1.0', lastVersionFlashed: '1.1.0' }));
    expect(v.status.firmware?.updates).toEqual([{ component: 'bios', url: 'http://fw.test.invalid/bios-1.1.bin' }]);
    expect(steps().filter((s) => s === 'firmware')).toHaveLength(2); // the settings, then the update
  });

  it('an available host whose HostFirmwareSettings change goes back to preparing and applies them (BMO handleAvailable)', async () => {
    const name = 'avail';
    const host = fakeHostsManifest(NS, [{ name }]);
    await stack.client.apply([{ name: 'a.yaml', text: host }]);
    // Settled in available: powered on as spec.online asks (fakeHostsManifest's default). Waiting for
    // poweredOn false caught only the moment between preparing and the power-on, which a fast worker skips.
    const first = await stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available' && h.status.poweredOn === true, 60_000);
    const hfs = `---\napiVersion: metal3.io/v1alpha1\nkind: HostFirmwareSettings\nmetadata: {name: ${name}, namespace: ${NS}}\nspec:\n  settings: {ProcTurboMode: "Disabled"}`;
    await stack.client.apply([{ name: 'a.yaml', text: `${host}\n${hfs}` }]);
    const v = await stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available' && h.status.firmware?.settings?.ProcTurboMode === 'Disabled', 60_000);
    expect(v.generation).toBe(first.generation + 1);
    const steps = (stack.fakeState(NS, name)?.effects ?? []).map((e) => e.step);
    expect(steps.filter((st) => st === 'firmware')).toHaveLength(1); // only preparing runs firmware on a host that is not provisioned
  });

  it('services a provisioned host at its next reboot (HostUpdatePolicy onReboot): no clean, no deploy', async () => {
    const before = steps();
    const applied = await apply({ ProcTurboMode: 'Enabled' }, 'onReboot');
    expect(applied.hosts[0]?.result).toBe('configured');
    expect((await stack.client.view(NS, HOST)).status.firmware?.settings?.ProcTurboMode).toBe('Disabled'); // not before a reboot
    await stack.client.signal(NS, HOST, rebootSignal, { mode: 'hard' });
    const during = await stack.client.waitFor(NS, HOST, (h) => h.status.operationalStatus === 'servicing', 30_000);
    expect(during.status.provisioning.state).toBe('provisioned');
    const after = await stack.client.waitFor(NS, HOST, (h) => h.status.operationalStatus === 'OK' && h.status.firmware?.settings?.ProcTurboMode === 'Enabled', 30_000);
    expect(after.status.provisioning.state).toBe('provisioned');
    const added = steps().slice(before.length);
    expect(added).toContain('firmware');
    expect(added.filter((s) => s === 'deploy' || s === 'clean' || s === 'inspect')).toEqual([]);
    // The requested reboot still follows (servicing ran first, as BMO's doServiceIfNeeded): wait for it,
    // or the next test's reboot request would coalesce with this one.
    await effectSeen(before.length, 'reboot (hard)', 30_000);
  });

  it('a failing setting is a servicing error with backoff and retry; a corrected HostFirmwareSettings recovers', async () => {
    await apply({ ProcTurboMode: 'Sometimes' }, 'onReboot');
    await stack.client.signal(NS, HOST, rebootSignal, { mode: 'hard' });
    const failed = await stack.client.waitFor(NS, HOST, (h) => h.status.errorType === 'servicing error', 30_000);
    expect(failed.status).toMatchObject({ operationalStatus: 'error', errorCount: 1, provisioning: { state: 'provisioned' } });
    expect(failed.status.errorMessage).toContain('Setting ProcTurboMode is invalid, unknown enumeration value - Sometimes');
    const waitMs = Date.parse(failed.nextRetryAt ?? '') - Date.now();
    expect(waitMs).toBeGreaterThan(45_000); // BMO backoff for a first error: 1-2 minutes
    await stack.client.signal(NS, HOST, retrySignal);
    const again = await stack.client.waitFor(NS, HOST, (h) => h.status.errorType === 'servicing error' && h.status.errorCount === 2, 30_000);
    expect(again.status.provisioning.state).toBe('provisioned');
    const before = steps();
    await apply({ ProcTurboMode: 'Disabled' }, 'onReboot');
    const ok = await stack.client.waitFor(NS, HOST, (h) => h.status.operationalStatus === 'OK' && h.status.firmware?.settings?.ProcTurboMode === 'Disabled', 60_000);
    expect(ok.status).toMatchObject({ errorType: '', errorCount: 0, provisioning: { state: 'provisioned' } });
    expect(steps().slice(before.length).filter((s) => s === 'deploy' || s === 'clean')).toEqual([]);
  });

  it('replays its history (recorded as a fixture with RECORD_HISTORIES=1)', async () => {
    const workflowId = hostWorkflowId(NS, HOST);
    if (process.env.RECORD_HISTORIES) {
      const dir = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}${workflowId.replace(/\//g, '_')}.json`, await stack.temporal(['workflow', 'show', '--workflow-id', workflowId, '-o', 'json']));
    }
    const { replayed, failures } = await replayHistories([{ workflowId, history: await stack.client.handle(NS, HOST).fetchHistory() }]);
    expect(failures).toEqual([]);
    expect(replayed).toBe(1);
  });
});
