/**
 * Failures become host errors with BMO backoff, never stuck hosts: injected inspection, registration
 * and deploy failures, `retry`, credential changes, detach/attach, pause/resume.
 */
import { describe, expect, it } from 'vitest';
import { attachSignal, detachSignal, hostWorkflowId, pauseSignal, powerOffSignal, powerOnSignal, rebootSignal, resumeSignal, retrySignal } from '../../../src/contract/index.js';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-errors';
const stack = useTestStack();


describe('host errors and operator actions', () => {
  it('an injected inspection failure becomes `inspection error` with backoff; `retry` recovers it', async () => {
    await stack.client.apply([{ name: 'm.yaml', text: fakeHostsManifest(NS, [{ name: 'flaky-inspect', annotations: { 'fake.metalflow.io/fail': 'inspect=1' } }]) }]);
    const failed = await stack.client.waitFor(NS, 'flaky-inspect', (h) => h.status.errorType === 'inspection error', 60_000);
    expect(failed.status).toMatchObject({ operationalStatus: 'error', errorCount: 1, provisioning: { state: 'inspecting' } });
    expect(failed.status.errorMessage).toContain('injected inspect failure 1 of 1');
    // BMO backoff for the first error: 1-2 minutes from now.
    const waitMs = Date.parse(failed.nextRetryAt ?? '') - Date.now();
    expect(waitMs).toBeGreaterThan(45_000);
    expect(waitMs).toBeLessThanOrEqual(120_000);
    const sa = await stack.temporal(['workflow', 'list', '--query', `BmhErrorType='inspection error' AND BmhNamespace='${NS}'`, '-o', 'json']);
    expect((JSON.parse(sa) as unknown[]).length).toBe(1);

    await new Promise((r) => setTimeout(r, 2000));
    expect((await stack.client.view(NS, 'flaky-inspect')).status.provisioning.state).toBe('inspecting'); // still backing off

    await stack.temporal(['workflow', 'signal', '--workflow-id', hostWorkflowId(NS, 'flaky-inspect'), '--name', 'retry']);
    const ok = await stack.client.waitFor(NS, 'flaky-inspect', (h) => h.status.provisioning.state === 'available', 30_000);
    expect(ok.status).toMatchObject({ errorType: '', errorMessage: '', errorCount: 0, operationalStatus: 'OK' });
  });

  it('a registration error recovers as soon as new credentials are applied', async () => {
    await stack.client.apply([{ name: 'm.yaml', text: fakeHostsManifest(NS, [{ name: 'bad-creds', annotations: { 'fake.metalflow.io/fail': 'register=1' } }], { password: 'old-password' }) }]);
    const failed = await stack.client.waitFor(NS, 'bad-creds', (h) => h.status.errorType === 'registration error', 60_000);
    expect(failed.status.provisioning.state).toBe('registering');
    expect(failed.status.goodCredentials).toBeUndefined();
    const tried = failed.status.triedCredentials?.credentialsVersion;

    const applied = await stack.client.apply([{ name: 'm.yaml', text: fakeHostsManifest(NS, [{ name: 'bad-creds', annotations: { 'fake.metalflow.io/fail': 'register=1' } }], { password: 'new-password' }) }]);
    expect(applied.hosts[0]?.result).toBe('configured');
    const ok = await stack.client.waitFor(NS, 'bad-creds', (h) => h.status.provisioning.state === 'available', 30_000); // no retry signal needed
    expect(ok.status.goodCredentials?.credentialsVersion).not.toBe(tried);
    expect(ok.status.errorType).toBe('');
  });

  it('a failed deploy is deprovisioned, counted, backed off and retried to success', async () => {
    await stack.client.apply([{ name: 'm.yaml', text: fakeHostsManifest(NS, [{ name: 'flaky-deploy', image: true, annotations: { 'fake.metalflow.io/fail': 'deploy=1' } }]) }]);
    const failed = await stack.client.waitFor(NS, 'flaky-deploy', (h) => h.status.errorType === 'provisioning error' && h.status.provisioning.state === 'available', 60_000);
    expect(failed.status.provisioningFailCount).toBe(1);
    expect(failed.status.errorMessage).toContain('injected deploy failure');
    expect(failed.nextRetryAt).toBeDefined();
    await stack.client.signal(NS, 'flaky-deploy', retrySignal);
    const ok = await stack.client.waitFor(NS, 'flaky-deploy', (h) => h.status.provisioning.state === 'provisioned', 30_000);
    expect(ok.status).toMatchObject({ errorType: '', errorCount: 0, provisioningFailCount: 0 });
  });

  it('detach stops management; attach resumes it', async () => {
    await stack.client.signal(NS, 'flaky-deploy', detachSignal);
    await stack.client.waitFor(NS, 'flaky-deploy', (h) => h.status.operationalStatus === 'detached', 10_000);
    await stack.client.signal(NS, 'flaky-deploy', powerOffSignal); // recorded in spec, not enforced while detached
    await new Promise((r) => setTimeout(r, 1500));
    expect(stack.fakeState(NS, 'flaky-deploy')?.poweredOn).toBe(true);
    await stack.client.signal(NS, 'flaky-deploy', attachSignal);
    const v = await stack.client.waitFor(NS, 'flaky-deploy', (h) => h.status.operationalStatus === 'OK' && !h.status.poweredOn, 20_000);
    expect(v.status.provisioning.state).toBe('provisioned');
    expect(stack.fakeState(NS, 'flaky-deploy')?.poweredOn).toBe(false);
  });

  it('pause holds every action until resume', async () => {
    await stack.client.signal(NS, 'flaky-deploy', pauseSignal);
    await stack.client.waitFor(NS, 'flaky-deploy', (h) => h.paused && h.currentStep === 'paused', 10_000);
    await stack.client.signal(NS, 'flaky-deploy', powerOnSignal);
    await new Promise((r) => setTimeout(r, 1500));
    expect(stack.fakeState(NS, 'flaky-deploy')?.poweredOn).toBe(false);
    await stack.client.signal(NS, 'flaky-deploy', resumeSignal);
    await stack.client.waitFor(NS, 'flaky-deploy', (h) => h.status.poweredOn, 20_000);
    expect(stack.fakeState(NS, 'flaky-deploy')?.poweredOn).toBe(true);
  });

  it('reboot power-cycles a provisioned host through the BMC', async () => {
    await stack.client.signal(NS, 'flaky-deploy', rebootSignal, { mode: 'hard' });
    await expect.poll(() => stack.fakeState(NS, 'flaky-deploy')?.effects.some((e) => e.what === 'reboot (hard)'), { timeout: 20_000 }).toBe(true);
  });

  it('rejects an invalid spec sent straight to the applySpec update, naming field and reason', async () => {
    const handle = stack.client.handle(NS, 'flaky-deploy');
    const view = await stack.client.view(NS, 'flaky-deploy');
    const bad = { host: { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'flaky-deploy', namespace: NS }, spec: { ...view.spec, bootMACAddress: 'zz' } }, secrets: {} };
    const err = await handle.executeUpdate('applySpec', { args: [bad] }).then(() => undefined, (e: unknown) => e as Error & { cause?: Error });
    expect(err?.cause?.message).toMatch(/spec\.bootMACAddress: must be a MAC address/);
    expect((await stack.client.view(NS, 'flaky-deploy')).generation).toBe(view.generation);
  });
});
