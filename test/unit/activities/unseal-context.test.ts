/**
 * The activities open each Secret in the context of the host they act for: a sealed blob copied from
 * a host of another namespace into this host's spec is refused (typed, non-retryable), while a Secret
 * that several hosts of one namespace share (a common BMC credential) opens for each of them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createBootActivities } from '../../../src/activities/boot-activities.js';
import { createHostActivities } from '../../../src/activities/host-activities.js';
import { DEFAULT_HOST_SETTINGS, type HostTarget } from '../../../src/contract/index.js';
import { SecretUnsealError } from '../../../src/errors.js';
import { createKeys, readPublicKey } from '../../../src/secrets/key-store.js';
import { Keyring } from '../../../src/secrets/keyring.js';
import { Sealer } from '../../../src/secrets/sealer.js';
import { failureOf } from '../../helpers/activity-failure.js';

const dataDir = mkdtempSync(join(tmpdir(), 'unseal-ctx-'));
createKeys(join(dataDir, 'keys'));
const keyring = Keyring.load(join(dataDir, 'keys'));
const sealer = Sealer.fromPublicKey(readPublicKey(join(dataDir, 'keys')));
const creds = { username: 'admin', password: 'tenant-a-password' };

const target = (namespace: string, name: string, credentials = sealer.seal({ namespace, purpose: 'credentials' }, 'bmc-creds', creds)): HostTarget => ({
  workflowId: `bmh/${namespace}/${name}`, uid: `${namespace}-${name}`, namespace, name, bmcAddress: `fake://${name}`, annotations: {}, credentials,
});

const hostActivities = createHostActivities({
  keyring,
  drivers: { fakeStateDir: join(dataDir, 'fake'), fakeStepMs: 0, simulatedAgent: false, ipmiMinIntervalMs: 0, ipmiCipherSuite: 3, powerStateTimeoutMs: 1000, softPowerOffTimeoutMs: 1000 },
  settings: DEFAULT_HOST_SETTINGS,
});

describe('unsealing in the host context', () => {
  it("refuses another namespace's BMC credentials copied into this host's spec", async () => {
    const stolen = target('tenant-a', 'victim').credentials;
    const f = await failureOf(new MockActivityEnvironment().run(hostActivities.registerHost, { target: target('tenant-b', 'thief', stolen), opId: 'op-1' }));
    expect(f.type).toBe('SecretUnsealError');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).not.toContain('tenant-a-password');
  });

  it('opens a Secret that two hosts of one namespace share', async () => {
    const env = new MockActivityEnvironment();
    await env.run(hostActivities.registerHost, { target: target('tenant-a', 'host-1'), opId: 'op-2' });
    await env.run(hostActivities.registerHost, { target: target('tenant-a', 'host-2', target('tenant-a', 'host-1').credentials), opId: 'op-3' });
  });

  it('the boot worker opens preprovisioning network data only in the namespace of the workflow that asks', async () => {
    const opened: Array<{ networkData?: string }> = [];
    const boot = createBootActivities({
      keyring,
      sessions: { open: (s: { networkData?: string }) => opened.push(s), endAfterInspection: () => undefined } as never,
      api: { endAgentSession: () => undefined } as never,
    });
    const network = sealer.seal({ namespace: 'tenant-a', purpose: 'preprovisioningNetworkData' }, 'net', { networkData: 'interfaces: []' });
    const session = { uuid: 'u', name: 'h', macs: [], session: 's' };
    await boot.expectAgent({ ...session, workflowId: 'bmh/tenant-a/h', preprovisioningNetworkData: network });
    expect(opened[0]?.networkData).toBe('interfaces: []');
    await expect(boot.expectAgent({ ...session, workflowId: 'bmh/tenant-b/h', preprovisioningNetworkData: network })).rejects.toThrow(SecretUnsealError);
    expect(opened).toHaveLength(1);
  });
});
