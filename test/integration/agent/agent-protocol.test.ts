/**
 * The Ironic agent protocol end to end on loopback: a Redfish host (sushy-tools) whose agent is
 * simulated (sushy's external notifier tells the simulated agent fleet when the machine network-
 * boots). The boot-services worker serves lookup/heartbeat/continue_inspection and runs the agent
 * commands; the host workflow goes registering → inspecting (agent) → available → provisioning
 * (clean + write_image through the agent's REST API) → provisioned → deprovisioning (clean) → available.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDir } from '../../helpers/temp-dir.js';
import { AgentFleet } from '../../../lab/agents/agent-fleet.js';
import { freePort } from '../../../lab/processes.js';
import { startSushy, type Sushy, type SushySystem } from '../../../lab/sushy-emulator.js';
import { useTestStack } from '../../helpers/stack.js';
import { deprovisionSignal } from '../../../src/contract/index.js';

const NS = 'it-agent';
const dir = mkdtempSync(join(tmpdir(), 'metalflow-agent-'));
const SYS: SushySystem = { uuid: '44444444-4444-4444-8444-444444444444', name: 'ipa-0', mac: '52:54:00:44:00:01' };
const stack = useTestStack({ METALFLOW_POWER_STATE_TIMEOUT: '30s', METALFLOW_BACKOFF_UNIT: '2s', METALFLOW_AGENT_CALLBACK_TIMEOUT: '2m', METALFLOW_POWER_SYNC_INTERVAL: '5s' });
let sushy: Sushy;
let fleet: AgentFleet;

beforeAll(async () => {
  const apiPort = await freePort();
  await stack.startWorker('src/worker/boot-main.ts', 'boot services worker started', { METALFLOW_AGENT_API_HOST: '127.0.0.1', METALFLOW_AGENT_API_PORT: String(apiPort), METALFLOW_AGENT_POLL: '200ms' });
  fleet = new AgentFleet({ apiUrl: `http://127.0.0.1:${apiPort}`, bootDelayMs: 500, heartbeatMs: 2000, durationMs: () => 300, ...(process.env.DEBUG_FLEET ? { log: (m: string) => console.log(`[fleet] ${m}`) } : {}) });
  const fleetUrl = await fleet.listen();
  sushy = await startSushy({ dir: join(dir, 'sushy'), systems: [SYS], username: 'admin', password: 'pw', notifyUrl: `${fleetUrl}/` });
}, 180_000);
afterAll(async () => {
  await Promise.all([sushy?.stop(), fleet?.close()]);
  removeTempDir(dir);
});

const manifest = (image: boolean): string => `apiVersion: v1
kind: Secret
metadata: {name: ipa-bmc, namespace: ${NS}}
stringData: {username: admin, password: pw}
---
apiVersion: v1
kind: Secret
metadata: {name: ipa-0-userdata, namespace: ${NS}}
stringData: {userData: "#cloud-config\\nhostname: ipa-0\\n"}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: ipa-0, namespace: ${NS}}
spec:
  online: true
  bootMACAddress: "${SYS.mac}"
  bmc: {address: "redfish+http://127.0.0.1:${sushy.port}${sushy.systemPath(SYS.uuid)}", credentialsName: ipa-bmc}
  rootDeviceHints: {rotational: true}
  userData: {name: ipa-0-userdata}
${image ? `  image: {url: "http://images.test.invalid/os.raw", checksum: "${'b'.repeat(64)}", checksumType: sha256, format: raw}\n` : ''}`;

describe('Ironic agent protocol with simulated agents', () => {
  it('inspects through the agent: inventory from continue_inspection becomes the host hardware', async () => {
    await stack.client.apply([{ name: 'ipa.yaml', text: manifest(false) }]);
    const v = await stack.client.waitFor(NS, 'ipa-0', (h) => h.status.provisioning.state === 'available', 150_000);
    expect(v.status.hardware?.systemVendor?.productName).toBe('simulated');
    expect(v.status.hardware?.nics?.[0]).toMatchObject({ mac: SYS.mac, pxe: true });
    expect(v.status.hardware?.storage?.map((d) => d.name)).toEqual(['/dev/sda', '/dev/sdb']);
  });

  it('provisions through the agent: cleaning, write_image on the hinted disk with a config drive', async () => {
    await stack.client.apply([{ name: 'ipa.yaml', text: manifest(true) }]);
    const v = await stack.client.waitFor(NS, 'ipa-0', (h) => h.status.provisioning.state === 'provisioned', 180_000);
    expect(v.status.errorType).toBe('');
    const disks = fleet.machine(SYS.uuid)?.disks ?? {};
    expect(disks['/dev/sda']).toEqual({ partitionTable: false }); // cleaned (erase_devices_metadata)
    expect(disks['/dev/sdb']).toEqual({ partitionTable: true, image: 'http://images.test.invalid/os.raw', configDrive: true }); // rotational: true
  });

  it('deprovisions through the agent: the disks are cleaned and the host is available again', async () => {
    await stack.client.signal(NS, 'ipa-0', deprovisionSignal);
    await stack.client.waitFor(NS, 'ipa-0', (h) => h.status.provisioning.state === 'available', 180_000);
    expect(Object.values(fleet.machine(SYS.uuid)?.disks ?? {}).every((d) => !d.partitionTable && !d.image)).toBe(true);
  });
});
