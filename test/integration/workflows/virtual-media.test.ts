/**
 * Virtual media boot paths through the host workflow (issue 12): sushy-tools systems (fake driver,
 * vmedia: it downloads what InsertMedia names) whose simulated agents boot when the BMC powers on
 * with the virtual CD inserted and a one-time Cd override. The host worker is the real one (a
 * process); the boot-services activities run here with the real agent media: each agent boot's ISO
 * is built (grub-mkrescue, from stand-in kernel and initramfs files: the simulated agents never run
 * them) and published by the HTTP boot server on loopback at a per-boot URL the BMC downloads.
 * - redfish-virtualmedia: inspect → available → provisioned → deprovisioned with InsertMedia/
 *   EjectMedia and Cd overrides at the BMC, never a PXE override;
 * - live-iso: booted by virtual media with no agent, ejected on deprovisioning; on a PXE host, a
 *   clear provisioning error naming the driver;
 * - UEFISecureBoot: secure boot off for the agent's boot, on before the deployed OS boots;
 *   legacy: the BMC is told Legacy for every override.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentFleet } from '../../../lab/agents/agent-fleet.js';
import type { SushySystem as SushyChange } from '../../../lab/agents/sushy-notifications.js';
import { freePort } from '../../../lab/processes.js';
import { startSushy, type Sushy, type SushySystem } from '../../../lab/sushy-emulator.js';
import { createBootActivities } from '../../../src/activities/boot-activities.js';
import { portOf } from '../../../src/agent/http-server.js';
import { IronicAgentApi } from '../../../src/agent/ironic-api.js';
import { PROVISIONING_NETWORK_ANNOTATION } from '../../../src/api/provisioning-network.js';
import { RedfishClient } from '../../../src/bmc/redfish/redfish-client.js';
import { AgentSessions } from '../../../src/boot/agent-sessions.js';
import { BootConfigStore } from '../../../src/boot/boot-config.js';
import { agentMediaDirFor, startBootServices } from '../../../src/boot/boot-services.js';
import { TaskQueue, agentHeartbeatSignal, agentInspectionSignal, deprovisionSignal, hostWorkflowId, type AgentMediaInput } from '../../../src/contract/index.js';
import { Keyring } from '../../../src/secrets/keyring.js';
import { replayHistories } from '../../helpers/replay.js';
import { useTestStack } from '../../helpers/stack.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const NS = 'it-vmedia';
/** Its own provisioning network, so no other file's boot worker takes these hosts' boot activities. */
const NETWORK = `vm-${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'metalflow-vmedia-'));
const system = (n: number, name: string): SushySystem => ({ uuid: `55555555-5555-4555-8555-00000000000${n}`, name, mac: `52:54:00:56:00:0${n}` });
const SYS = { vm: system(1, 'vm-0'), live: system(2, 'live-0'), pxe: system(3, 'pxe-live'), secure: system(4, 'secure-0'), legacy: system(5, 'legacy-0') };
const stack = useTestStack({ METALFLOW_POWER_STATE_TIMEOUT: '30s', METALFLOW_BACKOFF_UNIT: '2s', METALFLOW_AGENT_CALLBACK_TIMEOUT: '2m', METALFLOW_POWER_SYNC_INTERVAL: '5s' });

let sushy: Sushy;
let fleet: AgentFleet;
let isoServer: Server;
let isoBase = '';
/** The boot server that publishes agent ISOs. */
let bootBase = '';
let apiServer: Server | undefined;
let bootWorker: { stop(): Promise<void> } | undefined;
/** What the BMC was told, per system (sushy-tools' notifications, in order). */
const changes = new Map<string, SushyChange[]>();
/** prepareAgentMedia calls, and what the BMC downloaded from the ISO server and the boot server. */
const mediaRequests: AgentMediaInput[] = [];
/** The per-boot ISO URLs prepareAgentMedia handed out (their tokens must never reach a log line). */
const mediaUrls: string[] = [];
const bootLog: string[] = [];
const downloads: string[] = [];

/** The boot-services activities of this file's network, in this process (boot-main.ts wiring). */
async function startBootWorker(apiPort: number): Promise<{ stop(): Promise<void> }> {
  const clientConnection = await Connection.connect({ address: stack.address });
  const client = new Client({ connection: clientConnection, namespace: stack.namespace });
  const boot = new BootConfigStore();
  const sessions = new AgentSessions({
    heartbeat: async (workflowId, arg) => void (await client.workflow.getHandle(workflowId).signal(agentHeartbeatSignal, arg)),
    inspection: async (workflowId, arg) => void (await client.workflow.getHandle(workflowId).signal(agentInspectionSignal, arg)),
  }, { boot });
  const api = new IronicAgentApi({ backend: sessions });
  apiServer = await api.listen(apiPort, '127.0.0.1');
  // The HTTP boot server (agent ISOs only here); its request log is what the BMC downloaded.
  for (const f of ['agent.kernel', 'agent.initramfs']) writeFileSync(join(dir, f), `stand-in ${f}\n`);
  const services = await startBootServices(
    { bootIp: '127.0.0.1', http: { host: '127.0.0.1', port: await freePort(), agentDir: dir, imagesDir: dir, firmwareDir: dir }, agent: { kernel: 'agent.kernel', initramfs: 'agent.initramfs', extraKernelParams: '', insecure: false }, apiUrl: `http://127.0.0.1:${apiPort}` },
    boot,
    dir,
    (_level, message) => {
      bootLog.push(message);
      const got = /^http: GET (\S+) from /.exec(message)?.[1];
      if (got) downloads.push(got);
    },
    NETWORK,
  );
  if (!services.http || !services.media) throw new Error('the HTTP boot server did not start');
  bootBase = `http://127.0.0.1:${portOf(services.http)}`;
  const real = createBootActivities({ sessions, api, keyring: Keyring.load(stack.keyDir), boot, media: services.media, agentPollMs: 200 });
  const activities = {
    ...real,
    prepareAgentMedia: async (input: AgentMediaInput) => {
      mediaRequests.push(input);
      const media = await real.prepareAgentMedia(input);
      mediaUrls.push(media.url);
      return media;
    },
  };
  const connection = await NativeConnection.connect({ address: stack.address });
  const worker = await Worker.create({ connection, namespace: stack.namespace, taskQueue: TaskQueue.boot(NETWORK), activities });
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await clientConnection.close();
      await services.close();
    },
  };
}

beforeAll(async () => {
  isoServer = createServer((req, res) => {
    downloads.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('not really an ISO');
  });
  await new Promise<void>((r) => isoServer.listen(0, '127.0.0.1', r));
  isoBase = `http://127.0.0.1:${portOf(isoServer)}`;
  const apiPort = await freePort();
  bootWorker = await startBootWorker(apiPort);
  fleet = new AgentFleet({
    apiUrl: `http://127.0.0.1:${apiPort}`,
    bootDelayMs: 500,
    heartbeatMs: 2000,
    durationMs: () => 300,
    observe: (sys) => changes.set(sys.name, [...(changes.get(sys.name) ?? []), structuredClone(sys)]),
  });
  const fleetUrl = await fleet.listen();
  sushy = await startSushy({ dir: join(dir, 'sushy'), systems: Object.values(SYS), username: 'admin', password: 'pw', notifyUrl: `${fleetUrl}/` });
}, 180_000);
afterAll(async () => {
  await Promise.all([sushy?.stop(), fleet?.close(), bootWorker?.stop()]);
  await Promise.all([isoServer, apiServer].map((s) => new Promise<void>((r) => (s ? s.close(() => r()) : r()))));
  removeTempDir(dir);
});

function manifest(sys: SushySystem, scheme: string, spec: string[]): string {
  return `apiVersion: v1
kind: Secret
metadata: {name: ${sys.name}-bmc, namespace: ${NS}}
stringData: {username: admin, password: pw}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: ${sys.name}, namespace: ${NS}, annotations: {${PROVISIONING_NETWORK_ANNOTATION}: ${NETWORK}}}
spec:
  online: true
  bootMACAddress: "${sys.mac}"
  bmc: {address: "${scheme}+http://127.0.0.1:${sushy.port}${sushy.systemPath(sys.uuid)}", credentialsName: ${sys.name}-bmc}
${spec.map((l) => `  ${l}\n`).join('')}`;
}
const diskImage = `image: {url: "http://images.test.invalid/os.raw", checksum: "${'d'.repeat(64)}", checksumType: sha256, format: raw}`;
const apply = (sys: SushySystem, scheme: string, spec: string[]): Promise<unknown> => stack.client.apply([{ name: `${sys.name}.yaml`, text: manifest(sys, scheme, spec) }]);

/** The activity types the host's workflow scheduled, in order. */
async function activitiesOf(name: string): Promise<string[]> {
  const history = await stack.client.handle(NS, name).fetchHistory();
  return (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => typeof n === 'string');
}
const cdInserted = (c: SushyChange): boolean => c.boot_image?.Cd?.[2] === true;
/** The boot mode a change ran in: unset until the BMC is told another is UEFI (sushy-tools fakedriver.get_boot_mode). */
const bootModeOf = (c: SushyChange): string => c.boot_mode ?? 'UEFI';
/** The changes that started a power-on (what the machine booted with). */
const powerOns = (name: string): SushyChange[] => (changes.get(name) ?? []).filter((c) => c.pending_power?.power_state === 'On');
const redfish = (): RedfishClient => new RedfishClient({ origin: sushy.url, username: 'admin', password: 'pw', verifyCertificate: true });

describe('virtual media boot paths', () => {
  it('takes a redfish-virtualmedia host through inspection, provisioning and deprovisioning by virtual media, never PXE', async () => {
    const sys = SYS.vm;
    await apply(sys, 'redfish-virtualmedia', []);
    const inspected = await stack.client.waitFor(NS, sys.name, (h) => h.status.provisioning.state === 'available' || h.status.errorType !== '', 180_000);
    expect(inspected.status.errorMessage).toBe('');
    expect(inspected.status.hardware?.nics?.[0]?.mac).toBe(sys.mac);
    await apply(sys, 'redfish-virtualmedia', [diskImage]);
    const provisioned = await stack.client.waitFor(NS, sys.name, (h) => h.status.provisioning.state === 'provisioned' || h.status.errorType !== '', 240_000);
    expect(provisioned.status.errorMessage).toBe('');
    expect(fleet.machine(sys.uuid)?.disks['/dev/sda']).toMatchObject({ image: 'http://images.test.invalid/os.raw', configDrive: true });
    await stack.client.signal(NS, sys.name, deprovisionSignal);
    const deprovisioned = await stack.client.waitFor(NS, sys.name, (h) => h.status.provisioning.state === 'available' || h.status.errorType !== '', 240_000);
    expect(deprovisioned.status.errorMessage).toBe('');

    // Three agent boots (inspection, provisioning, cleaning on deprovision), each from its session's ISO, downloaded by the BMC.
    const mine = mediaRequests.filter((m) => m.uuid === provisioned.status.provisioning.ID);
    expect(mine).toHaveLength(3);
    expect(new Set(mine.map((m) => m.session)).size).toBe(3);
    // The BMC downloaded them (the boot server logs each GET with the token left out) ...
    expect(downloads.filter((d) => d === '/media/…/agent.iso').length).toBeGreaterThanOrEqual(3);
    const isoPaths = mediaUrls.map((u) => new URL(u).pathname);
    expect(new Set(isoPaths.filter((p) => /^\/media\/[\w-]+\/agent\.iso$/.test(p))).size).toBe(3);
    // ... and no token, the only key to an ISO holding network data, is in any log line.
    for (const p of isoPaths) expect(bootLog.filter((l) => l.includes(p.split('/')[2] ?? '?'))).toEqual([]);
    // Each URL died with its session (like Ironic's temporary URLs) and the built ISOs are gone.
    for (const p of new Set(isoPaths)) expect((await fetch(`${bootBase}${p}`)).status).toBe(404);
    expect(readdirSync(agentMediaDirFor(dir, NETWORK))).toEqual([]);
    const seen = changes.get(sys.name) ?? [];
    expect(seen.some((c) => c.boot_device === 'Pxe')).toBe(false);
    // Every power-on booted either the inserted agent ISO (one-time Cd) or the disk with the CD ejected.
    const ons = powerOns(sys.name);
    expect(ons.filter((c) => c.boot_device === 'Cd' && cdInserted(c))).toHaveLength(3);
    expect(ons.filter((c) => c.boot_device === 'Hdd').every((c) => !cdInserted(c))).toBe(true);
    expect(ons.some((c) => c.boot_device === 'Hdd')).toBe(true); // the deployed OS
    // Ejected at the end: no agent ISO is left in the CD.
    expect(cdInserted(seen[seen.length - 1] as SushyChange)).toBe(false);
    const acts = await activitiesOf(sys.name);
    expect(acts.filter((a) => a === 'prepareAgentMedia')).toHaveLength(3);
    expect(acts.slice(acts.indexOf('expectAgent'), acts.indexOf('expectAgent') + 3)).toEqual(['expectAgent', 'prepareAgentMedia', 'bootAgent']);
  });

  it('boots a live-iso image by virtual media with no agent and stays provisioned; deprovisioning ejects it', async () => {
    const sys = SYS.live;
    await apply(sys, 'redfish-virtualmedia', ['inspectionMode: disabled', 'automatedCleaningMode: disabled', `image: {url: "${isoBase}/live.iso", format: live-iso}`]);
    const v = await stack.client.waitFor(NS, sys.name, (h) => h.status.provisioning.state === 'provisioned' || h.status.errorType !== '', 180_000);
    expect(v.status.errorMessage).toBe('');
    expect(v.status.poweredOn).toBe(true);
    const acts = await activitiesOf(sys.name);
    expect(acts).toContain('bootLiveIso');
    expect(acts.filter((a) => ['expectAgent', 'prepareAgentMedia', 'bootAgent', 'agentDeploy', 'agentClean'].includes(a))).toEqual([]);
    expect(downloads).toContain('/live.iso');
    const state = await redfish().get(`${sushy.systemPath(sys.uuid)}/VirtualMedia/Cd`);
    expect(state).toMatchObject({ Inserted: true, Image: `${isoBase}/live.iso` });
    const on = powerOns(sys.name).at(-1);
    expect(on).toMatchObject({ boot_device: 'Cd' });
    expect(Object.values(fleet.machine(sys.uuid)?.disks ?? {}).some((d) => d.image !== undefined)).toBe(false); // nothing written: no agent session
    // Stays there: still provisioned, still on the live ISO, a few power syncs later.
    await new Promise((r) => setTimeout(r, 6000));
    expect((await stack.client.waitFor(NS, sys.name, () => true, 5000)).status.provisioning.state).toBe('provisioned');

    await stack.client.signal(NS, sys.name, deprovisionSignal);
    await stack.client.waitFor(NS, sys.name, (h) => h.status.provisioning.state === 'available', 180_000);
    expect(await redfish().get(`${sushy.systemPath(sys.uuid)}/VirtualMedia/Cd`)).toMatchObject({ Inserted: false });
    expect(((await redfish().get(sushy.systemPath(sys.uuid))).Boot as Record<string, unknown>).BootSourceOverrideTarget).toBe('Hdd');
  });

  it('refuses live-iso on a network-booted (redfish://) host with a clear provisioning error naming the driver', async () => {
    const sys = SYS.pxe;
    await apply(sys, 'redfish', ['inspectionMode: disabled', 'automatedCleaningMode: disabled', `image: {url: "${isoBase}/live.iso", format: live-iso}`]);
    const v = await stack.client.waitFor(NS, sys.name, (h) => h.status.errorType !== '', 120_000);
    expect(v.status.errorType).toBe('provisioning error');
    expect(v.status.errorMessage).toContain('BMC driver redfish+http does not support live-iso images');
    expect(v.status.errorMessage).toContain('redfish-virtualmedia://');
    expect(await activitiesOf(sys.name)).not.toContain('bootLiveIso');
  });

  it('turns secure boot off for the agent and on before the deployed OS of a UEFISecureBoot host; tells the BMC Legacy for a legacy host', async () => {
    const spec = (mode: string): string[] => ['inspectionMode: disabled', 'automatedCleaningMode: disabled', `bootMode: ${mode}`, diskImage];
    // Secure boot on from the start: the agent's boot must turn it off.
    await redfish().patch(`${sushy.systemPath(SYS.secure.uuid)}/SecureBoot`, { SecureBootEnable: true });
    await apply(SYS.secure, 'redfish-virtualmedia', spec('UEFISecureBoot'));
    await apply(SYS.legacy, 'redfish-virtualmedia', spec('legacy'));
    for (const sys of [SYS.secure, SYS.legacy]) {
      const v = await stack.client.waitFor(NS, sys.name, (h) => h.status.provisioning.state === 'provisioned' || h.status.errorType !== '', 240_000);
      expect(v.status.errorMessage).toBe('');
    }
    const [agentBoot, diskBoot] = [powerOns(SYS.secure.name).find((c) => c.boot_device === 'Cd'), powerOns(SYS.secure.name).at(-1)];
    expect(agentBoot).toMatchObject({ boot_device: 'Cd', secure_boot: false });
    expect(diskBoot).toMatchObject({ boot_device: 'Hdd', secure_boot: true });
    // The mode is sent only when it changes (RedfishDriver.setBootDevice): this system stayed in the fake driver's default, UEFI.
    expect(powerOns(SYS.secure.name).map(bootModeOf)).not.toContain('Legacy');
    expect(((await redfish().get(sushy.systemPath(SYS.secure.uuid))).Boot as Record<string, unknown>).BootSourceOverrideMode).toBe('UEFI');
    expect(await redfish().get(`${sushy.systemPath(SYS.secure.uuid)}/SecureBoot`)).toMatchObject({ SecureBootEnable: true });

    const legacy = powerOns(SYS.legacy.name);
    expect(legacy.find((c) => c.boot_device === 'Cd')).toMatchObject({ boot_mode: 'Legacy' }); // the agent's boot
    expect(legacy.at(-1)).toMatchObject({ boot_device: 'Hdd', boot_mode: 'Legacy' }); // the deployed OS
    expect(((await redfish().get(sushy.systemPath(SYS.legacy.uuid))).Boot as Record<string, unknown>).BootSourceOverrideMode).toBe('Legacy');
    expect(legacy.some((c) => c.secure_boot === true)).toBe(false);
  });

  it('replays every host history of these paths (agent-boot-media and live-iso patches) with the current workflow code', async () => {
    const histories = await Promise.all(Object.values(SYS).map(async (sys) => ({ workflowId: hostWorkflowId(NS, sys.name), history: await stack.client.handle(NS, sys.name).fetchHistory() })));
    const { replayed, failures } = await replayHistories(histories);
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });
});
