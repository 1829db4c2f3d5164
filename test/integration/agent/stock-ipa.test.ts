/**
 * The stock Ironic Python Agent (PyPI ironic-python-agent 13.0.0, unchanged) against our agent
 * endpoints, inside a network namespace this test creates, with a harmless hardware manager
 * (fixed virtual disks; cleaning is only recorded, no real disk is touched):
 *  1. protocol: IPA's own start-up (continue_inspection, lookup, token, heartbeat) against the
 *     Ironic agent API, then our agent client runs a clean step through IPA's command API;
 *  2. workflow: a host on a sushy-tools Redfish BMC whose power-on network boot starts the stock
 *     agent in the namespace is inspected through it by the host workflow and becomes available.
 */
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHeartbeatArg, AgentInspectionArg } from '../../../src/contract/index.js';
import { IpaClient } from '../../../src/agent/ipa-client.js';
import { IronicAgentApi, MAX_INSPECTION_BODY_BYTES } from '../../../src/agent/ironic-api.js';
import { listenHttp, readBody } from '../../../src/agent/http-server.js';
import { machineChange, type SushySystem as SushyNotification } from '../../../lab/agents/sushy-notifications.js';
import { AgentSessions } from '../../../src/boot/agent-sessions.js';
import { freePort } from '../../../lab/processes.js';
import { startSushy, type Sushy } from '../../../lab/sushy-emulator.js';
import { createTestNetns, type TestNetns } from '../../helpers/netns.js';
import { IPA_PORT, startStockIpa, type StockIpa } from '../../helpers/stock-ipa.js';
import { useTestStack } from '../../helpers/stack.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const MAC = '52:54:00:1b:a0:01';
const dir = mkdtempSync(join(tmpdir(), 'metalflow-stock-ipa-'));
let netns: TestNetns;
const agents: StockIpa[] = [];

beforeAll(() => {
  netns = createTestNetns({ nsMac: MAC });
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  netns?.remove();
  removeTempDir(dir);
});

async function until<T>(what: string, get: () => T | undefined, timeoutMs: number, logFile?: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${logFile ? ` (agent log: ${logFile})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('stock ironic-python-agent against the Ironic agent API', () => {
  it('inspects, looks up with a token, heartbeats, and runs a clean step for our agent client', async () => {
    const heartbeats: AgentHeartbeatArg[] = [];
    const inspections: AgentInspectionArg[] = [];
    const sessions = new AgentSessions({ heartbeat: async (_, a) => void heartbeats.push(a), inspection: async (_, a) => void inspections.push(a) });
    const api = new IronicAgentApi({ backend: sessions });
    const port = await freePort();
    // The size of IPA's inspection body (default and logs collectors, as the ramdisk runs them) against our cap.
    const inspectionBytes: number[] = [];
    const server: Server = await listenHttp(async (req, res) => {
      if (req.url === '/v1/continue_inspection') inspectionBytes.push(Number(req.headers['content-length'] ?? 0));
      await api.handle(req, res);
    }, port, netns.hostIp);
    const uuid = '1ba0a9e1-0000-4000-8000-000000000001';
    try {
      sessions.open({ workflowId: 'wf', uuid, name: 'stock-0', macs: [MAC], session: 's1', inspect: true, networkData: 'interfaces: []\n' });
      const ipa = startStockIpa({ netns, apiUrl: `http://${netns.hostIp}:${port}`, dir: join(dir, 'protocol'), collectors: 'default,logs' });
      agents.push(ipa);

      const inspection = await until('inspection data', () => inspections[0], 120_000, ipa.logFile);
      expect(inspection.error).toBeUndefined();
      console.log(`stock IPA continue_inspection body: ${inspectionBytes.join(', ')} bytes (cap ${MAX_INSPECTION_BODY_BYTES})`);
      expect(Math.max(...inspectionBytes)).toBeLessThan(MAX_INSPECTION_BODY_BYTES / 4);
      expect(inspection.hardware.nics?.map((n) => n.mac)).toContain(MAC);
      expect(inspection.hardware.storage?.map((d) => d.serialNumber)).toEqual(['MF-TEST-DISK-1', 'MF-TEST-DISK-2']);
      expect(inspection.hardware.systemVendor?.productName).toBe('metalflow test machine');

      const callbackUrl = await until('a heartbeat', () => sessions.get(uuid)?.callbackUrl, 120_000, ipa.logFile);
      expect(callbackUrl).toBe(`http://${netns.nsIp}:${IPA_PORT}`);
      // An inspection session's heartbeat is not signalled: its workflow waits for the inspection data only.
      expect(heartbeats).toEqual([]);
      // The token went out once (IPA's lookup); the next lookup only sees it masked.
      const again = await request(`http://${netns.hostIp}:${port}/v1/lookup?addresses=${MAC}`);
      expect(((await again.body.json()) as { config: { agent_token: string } }).config.agent_token).toBe('******');

      // The agent's command API: without the token it refuses; with it, our client runs cleaning.
      const anonymous = await request(`${callbackUrl}/v1/commands/`);
      await anonymous.body.dump();
      expect(anonymous.statusCode).toBe(401);
      const client = new IpaClient(callbackUrl, api.tokens.current(uuid), { pollMs: 200 });
      const steps = await client.getCleanSteps({ uuid });
      const byManager = (steps.command_result?.clean_steps ?? {}) as Record<string, Array<{ step: string }>>;
      // IPA keys steps by hardware manager class; the duplicate from the generic manager is dropped.
      expect(byManager.TestHardwareManager?.map((s) => s.step)).toContain('erase_devices_metadata');
      const version = (steps.command_result?.hardware_manager_version ?? {}) as Record<string, unknown>;
      const done = await client.executeCleanStep({ step: 'erase_devices_metadata', interface: 'deploy', priority: 99, args: {} }, { uuid }, version);
      expect(done.command_status).toBe('SUCCEEDED');
      expect(ipa.records()).toEqual([{ event: 'erase_devices_metadata', node: uuid, disks: ['/dev/vda', '/dev/vdb'] }]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('host workflow inspected by the stock agent', () => {
  const stack = useTestStack({ METALFLOW_POWER_STATE_TIMEOUT: '60s', METALFLOW_BACKOFF_UNIT: '5s', METALFLOW_AGENT_CALLBACK_TIMEOUT: '4m', METALFLOW_POWER_SYNC_INTERVAL: '30s' });
  const NS = 'it-stock-ipa';
  const SYS = { uuid: '1ba0a9e1-0000-4000-8000-0000000000b1', name: 'stock-1', mac: MAC };
  let sushy: Sushy;
  let notifications: Server;
  let apiPort = 0;

  beforeAll(async () => {
    apiPort = await freePort();
    await stack.startWorker('src/worker/boot-main.ts', 'boot services worker started', { METALFLOW_AGENT_API_HOST: netns.hostIp, METALFLOW_AGENT_API_PORT: String(apiPort), METALFLOW_AGENT_POLL: '300ms' });
    // sushy-tools tells us when the machine powers on from the network: then the stock agent "boots".
    let running: StockIpa | undefined;
    let boots = 0;
    notifications = await listenHttp(async (req, res) => {
      const sys = JSON.parse(await readBody(req)) as SushyNotification;
      const change = machineChange(sys, running !== undefined);
      if (change.stop && running) {
        const stopping = running;
        running = undefined;
        await stopping.stop();
      }
      if (change.bootAt !== undefined) {
        const wait = Math.max(0, change.bootAt - Date.now());
        setTimeout(() => {
          running = startStockIpa({ netns, apiUrl: `http://${netns.hostIp}:${apiPort}`, dir: join(dir, `boot-${++boots}`) });
          agents.push(running);
        }, wait);
      }
      res.writeHead(200).end('{}');
    }, 0, '127.0.0.1');
    const address = notifications.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    sushy = await startSushy({ dir: join(dir, 'sushy'), systems: [SYS], username: 'admin', password: 'pw', notifyUrl: `http://127.0.0.1:${port}/` });
  }, 180_000);
  afterAll(async () => {
    await sushy?.stop();
    await new Promise((r) => (notifications ? notifications.close(r) : r(undefined)));
  });

  it('registers, inspects through the stock agent and is available with its inventory', async () => {
    await stack.client.apply([
      {
        name: 'stock.yaml',
        text: `apiVersion: v1
kind: Secret
metadata: {name: stock-bmc, namespace: ${NS}}
stringData: {username: admin, password: pw}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: ${SYS.name}, namespace: ${NS}}
spec:
  online: false
  bootMACAddress: "${MAC}"
  bmc: {address: "redfish+http://127.0.0.1:${sushy.port}${sushy.systemPath(SYS.uuid)}", credentialsName: stock-bmc}
`,
      },
    ]);
    const v = await stack.client.waitFor(NS, SYS.name, (h) => h.status.provisioning.state === 'available', 240_000, 1000);
    expect(v.status.errorType).toBe('');
    expect(v.status.hardware?.nics?.find((n) => n.mac === MAC)).toMatchObject({ ip: netns.nsIp });
    expect(v.status.hardware?.storage?.map((d) => d.serialNumber)).toEqual(['MF-TEST-DISK-1', 'MF-TEST-DISK-2']);
    expect(v.status.hardware?.systemVendor?.manufacturer).toBe('metalflow');
  });
});
