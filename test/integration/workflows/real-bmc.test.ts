/**
 * Host workflows driving real BMC emulators: a Redfish host (sushy-tools, out-of-band inspection)
 * and an IPMI host (ipmi_sim via ipmitool), with the simulated agent for the in-band steps.
 * Bad credentials wait for new ones; a BMC that goes away produces a power management error and
 * the host recovers by itself when it returns.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDir } from '../../helpers/temp-dir.js';
import { RedfishClient } from '../../../src/bmc/redfish/redfish-client.js';
import { startIpmiSim, type IpmiSim } from '../../../lab/ipmi-sim.js';
import { startSushy, type Sushy, type SushySystem } from '../../../lab/sushy-emulator.js';
import { useTestStack } from '../../helpers/stack.js';

const NS = 'it-bmc';
const dir = mkdtempSync(join(tmpdir(), 'metalflow-bmc-'));
const SYS: SushySystem = { uuid: '33333333-3333-4333-8333-333333333333', name: 'rf-0', mac: '52:54:00:33:00:01' };
const stack = useTestStack({
  METALFLOW_SIMULATED_AGENT: '1',
  METALFLOW_IPMI_MIN_INTERVAL: '100ms',
  METALFLOW_POWER_SYNC_INTERVAL: '1s',
  METALFLOW_BACKOFF_UNIT: '1s',
  METALFLOW_POWER_STATE_TIMEOUT: '30s',
});
let sushy: Sushy;
let ipmi: IpmiSim;

beforeAll(async () => {
  [sushy, ipmi] = await Promise.all([
    startSushy({ dir: join(dir, 'sushy'), systems: [SYS], username: 'admin', password: 'rf-pass' }),
    startIpmiSim({ dir: join(dir, 'ipmi'), username: 'admin', password: 'ipmi-pass' }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([sushy?.stop(), ipmi?.stop()]);
  removeTempDir(dir);
});

/** Each host its own boot MAC (apply refuses a MAC another host has); rf-0's is its sushy system's. */
const BOOT_MACS: Record<string, string> = { 'rf-0': SYS.mac, 'ipmi-0': '52:54:00:33:00:02', 'ipmi-bad': '52:54:00:33:00:03' };

function manifest(name: string, address: string, password: string, extraSpec = ''): string {
  return `apiVersion: v1
kind: Secret
metadata: {name: ${name}-bmc, namespace: ${NS}}
stringData: {username: admin, password: ${password}}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: ${name}, namespace: ${NS}}
spec:
  online: true
  bootMACAddress: "${BOOT_MACS[name] ?? SYS.mac}"
  bmc: {address: "${address}", credentialsName: ${name}-bmc}
${extraSpec}`;
}
const image = `  image: {url: "http://images.test.invalid/os.qcow2", checksum: "${'a'.repeat(64)}", checksumType: sha256, format: qcow2}\n`;

describe('host workflows on real BMC emulators', () => {
  it('provisions a Redfish host: out-of-band inspection, power and boot device through sushy-tools', async () => {
    const address = `redfish+http://127.0.0.1:${sushy.port}${sushy.systemPath(SYS.uuid)}`;
    await stack.client.apply([{ name: 'rf.yaml', text: manifest('rf-0', address, 'rf-pass', `  inspectionMode: fast\n${image}`) }]);
    const v = await stack.client.waitFor(NS, 'rf-0', (h) => h.status.provisioning.state === 'provisioned', 120_000);
    expect(v.status.hardware?.systemVendor?.manufacturer).toBe('Sushy Emulator');
    expect(v.status.hardware?.nics?.[0]?.mac).toBe(SYS.mac);
    const system = await new RedfishClient({ origin: sushy.url, username: 'admin', password: 'rf-pass', verifyCertificate: true }).get(sushy.systemPath(SYS.uuid));
    expect(system.PowerState).toBe('On');
    expect((system.Boot as Record<string, unknown>).BootSourceOverrideTarget).toBe('Hdd');
  });

  it('brings an IPMI host to available and enforces online: true through ipmitool', async () => {
    await stack.client.apply([{ name: 'ipmi.yaml', text: manifest('ipmi-0', `ipmi://127.0.0.1:${ipmi.port}`, 'ipmi-pass') }]);
    const v = await stack.client.waitFor(NS, 'ipmi-0', (h) => h.status.provisioning.state === 'available' && h.status.poweredOn, 60_000);
    expect(v.status.errorType).toBe('');
    expect(ipmi.machine().power).toBe(true);
    expect(ipmi.machine().events).toContain('boot pxe'); // inspection boots the agent over PXE (raw UEFI boot flags)
  });

  it('holds a host with bad credentials in `registration error` until new credentials are applied', async () => {
    await stack.client.apply([{ name: 'bad.yaml', text: manifest('ipmi-bad', `ipmi://127.0.0.1:${ipmi.port}`, 'not-the-password') }]);
    const failed = await stack.client.waitFor(NS, 'ipmi-bad', (h) => h.status.errorType === 'registration error', 60_000);
    expect(failed.status.errorMessage).toContain('bad credentials');
    expect(failed.currentStep).toBe('waiting for new BMC credentials');
    expect(failed.nextRetryAt).toBeUndefined(); // no timer: retrying a refused password would only lock the account
    await stack.client.apply([{ name: 'good.yaml', text: manifest('ipmi-bad', `ipmi://127.0.0.1:${ipmi.port}`, 'ipmi-pass') }]);
    const ok = await stack.client.waitFor(NS, 'ipmi-bad', (h) => h.status.provisioning.state === 'available', 60_000);
    expect(ok.status.errorType).toBe('');
  });

  it('turns a vanished BMC into `power management error` and recovers by itself when it returns', async () => {
    await sushy.stop();
    const failed = await stack.client.waitFor(NS, 'rf-0', (h) => h.status.errorType === 'power management error', 90_000);
    expect(failed.status.provisioning.state).toBe('provisioned');
    expect(failed.status.errorMessage).toMatch(/watchPower/); // an idle host's own power read (getPowerState before the power watch)
    sushy = await startSushy({ dir: join(dir, 'sushy'), systems: [SYS], username: 'admin', password: 'rf-pass', port: sushy.port });
    const ok = await stack.client.waitFor(NS, 'rf-0', (h) => h.status.errorType === '' && h.status.operationalStatus === 'OK', 90_000);
    expect(ok.status.provisioning.state).toBe('provisioned');
  });
});
