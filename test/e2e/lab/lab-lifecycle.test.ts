/**
 * The emulated lab end to end on the real Temporal dev server: 20 hosts on sushy-tools Redfish BMCs
 * with simulated agents speaking the Ironic agent protocol to the boot-services worker, through
 * the whole lifecycle (register → inspect → provision with cleaning → deprovision → delete), with
 * failures injected in inspection, cleaning and deployment. Each failure must show up as the
 * host's errorType and the host must recover: by itself after the backoff, or at once on `retry`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteSignal, deprovisionSignal, retrySignal, SearchAttr } from '../../../src/contract/index.js';
import type { MetalflowClient } from '../../../src/client/metalflow-client.js';
import { freePort } from '../../../lab/processes.js';
import { startRedfishLab, type RedfishLab } from '../../../lab/redfish-lab.js';
import { useTestStack } from '../../helpers/stack.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const NS = 'e2e-lab';
const HOSTS = 20;
const dir = mkdtempSync(join(tmpdir(), 'metalflow-lab-'));
const stack = useTestStack({
  METALFLOW_POWER_STATE_TIMEOUT: '60s',
  METALFLOW_BACKOFF_UNIT: '5s',
  METALFLOW_AGENT_CALLBACK_TIMEOUT: '3m',
  METALFLOW_POWER_SYNC_INTERVAL: '30s',
  METALFLOW_PROVISIONING_LIMIT: String(HOSTS),
});
let lab: RedfishLab;

const name = (i: number): string => `lab-host-${String(i).padStart(2, '0')}`;
const INSPECT_FAILS = name(1); // recovers by backoff
const CLEAN_FAILS = name(2); // cleaning before the first deployment; recovers by backoff
const DEPLOY_FAILS = name(3); // recovers at once on `retry`
const DEPROVISION_CLEAN_FAILS = name(4); // cleaning on deprovision; recovers by backoff

beforeAll(async () => {
  const apiPort = await freePort();
  await stack.startWorker('src/worker/boot-main.ts', 'boot services worker started', { METALFLOW_AGENT_API_HOST: '127.0.0.1', METALFLOW_AGENT_API_PORT: String(apiPort), METALFLOW_AGENT_POLL: '300ms' });
  lab = await startRedfishLab({
    hosts: HOSTS,
    dir: join(dir, 'sushy'),
    namespace: NS,
    agentApi: `http://127.0.0.1:${apiPort}`,
    bootDelayMs: 500,
    heartbeatMs: 3000,
    durationMs: (c) => (c.includes('execute') ? 500 : 50),
    withImage: () => true,
    faults: { [INSPECT_FAILS]: { inspect: 1 }, [CLEAN_FAILS]: { clean: 1 }, [DEPLOY_FAILS]: { deploy: 1 } },
    ...(process.env.DEBUG_FLEET ? { log: (m: string) => console.log(`[fleet] ${m}`) } : {}),
  });
}, 180_000);
afterAll(async () => {
  await lab?.stop();
  removeTempDir(dir);
});

/** Every errorType the workflow ever published (its BmhErrorType search attribute upserts). */
async function errorTypesSeen(client: MetalflowClient, host: string): Promise<string[]> {
  const history = await client.handle(NS, host).fetchHistory();
  const seen: string[] = [];
  for (const e of history.events ?? []) {
    const field = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[SearchAttr.errorType.name];
    if (field?.data) seen.push(JSON.parse(Buffer.from(field.data).toString()) as string);
  }
  return seen.filter((t) => t !== 'none'); // "none": no error (keywords cannot be empty)
}

const allIn = async (state: string, timeoutMs: number): Promise<void> => {
  await Promise.all(lab.hosts.map((h) => stack.client.waitFor(NS, h.name, (v) => v.status.provisioning.state === state && v.status.errorType === '', timeoutMs, 2000)));
};

describe(`emulated lab: ${HOSTS} Redfish hosts with simulated agents`, () => {
  it('provisions every host; injected inspection, cleaning and deploy failures become errors and recover', async () => {
    await stack.client.apply([{ name: 'lab.yaml', text: lab.manifest }]);

    // The deploy failure is retried on request, without waiting out the backoff.
    const failed = await stack.client.waitFor(NS, DEPLOY_FAILS, (v) => v.status.errorType === 'provisioning error', 300_000, 500);
    expect(failed.status.errorMessage).toContain('write_image failed');
    await stack.client.signal(NS, DEPLOY_FAILS, retrySignal);

    await allIn('provisioned', 480_000);
    expect(await errorTypesSeen(stack.client, INSPECT_FAILS)).toEqual(['inspection error']);
    expect(await errorTypesSeen(stack.client, CLEAN_FAILS)).toEqual(['provisioning error']);
    expect(await errorTypesSeen(stack.client, DEPLOY_FAILS)).toEqual(['provisioning error']);
    expect(await errorTypesSeen(stack.client, name(0))).toEqual([]);
    const inspected = await stack.client.view(NS, INSPECT_FAILS);
    expect(inspected.status.hardware?.storage?.length).toBe(2);
    expect(inspected.status.provisioningFailCount).toBe(0);

    for (const h of lab.hosts) {
      const disks = lab.fleet.machine(h.uuid)?.disks ?? {};
      // No hints: Ironic's default root device, the smallest disk of at least 4 GiB (/dev/sda here).
      expect(disks['/dev/sda']).toMatchObject({ image: 'http://images.lab.invalid/ubuntu-24.04.qcow2', configDrive: true });
      expect(disks['/dev/sdb']?.partitionTable).toBe(false); // cleaned before the first deployment
      // The preprovisioning network data (the host's `-network` Secret) reached its agent.
      expect(lab.fleet.machine(h.uuid)?.networkData).toContain(h.mac);
    }
  });

  it('deprovisions every host with cleaning; an injected cleaning failure recovers by backoff', async () => {
    lab.fleet.inject(DEPROVISION_CLEAN_FAILS, 'clean');
    await Promise.all(lab.hosts.map((h) => stack.client.signal(NS, h.name, deprovisionSignal)));
    await allIn('available', 480_000);
    expect(await errorTypesSeen(stack.client, DEPROVISION_CLEAN_FAILS)).toEqual(['provisioning error']);
    for (const h of lab.hosts) {
      expect(Object.values(lab.fleet.machine(h.uuid)?.disks ?? {}).every((d) => !d.partitionTable && !d.image)).toBe(true);
    }
  });

  it('deletes every host: the workflows complete', async () => {
    await Promise.all(lab.hosts.map((h) => stack.client.signal(NS, h.name, deleteSignal)));
    const results = await Promise.all(lab.hosts.map((h) => stack.client.handle(NS, h.name).result().then(() => 'completed')));
    expect(results).toEqual(Array(HOSTS).fill('completed'));
  });
});
