/**
 * History cost of one agent lifecycle (issue 14 item 1, PERF-PLAN changes 2 and 3): inspect,
 * provision (clean + deploy), deprovision (clean) through the real boot-services worker, with BMC
 * activities played by the test (as agent-boot.test.ts). The last agent command of each session
 * ends the session itself, and the boot worker ends an inspection session once the inspection was
 * delivered, so no `endAgent` activity runs; the host worker's short local calls (its settings,
 * registration) are local activities. The token rule still holds:
 * at every power action after an agent booted, the agent API no longer knows the host (lookup 404).
 * Recorded with RECORD_HISTORIES=1 as test/fixtures/histories/bmh_it-lifecycle-events_le-0.json, so
 * test/unit/workflows/replay.test.ts keeps replaying the agent path of runs past fleet-scale-14.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostActivities } from '../../../src/activities/index.js';
import { createSlotActivities } from '../../../src/activities/provisioning-slots.js';
import { SimulatedIpaServer, type SimulatedMachine } from '../../../lab/agents/ipa-server.js';
import { DEFAULT_HOST_SETTINGS, OperatorSignal, hostWorkflowId, type HostSettings, type SetPowerInput, type StepInput } from '../../../src/contract/index.js';
import { FailureType } from '../../../src/errors.js';
import { startAgentBoot, type AgentBoot } from '../../helpers/agent-boot-stack.js';
import { hostManifest } from '../../helpers/host-manifest.js';
import { startInProcessWorker, type InProcessWorker } from '../../helpers/in-process-worker.js';
import { stubHostActivities } from '../../helpers/stub-host-activities.js';
import { replayHistories } from '../../helpers/replay.js';
import { TestStack } from '../../helpers/stack.js';

const NS = 'it-lifecycle-events';
const NAME = 'le-0';
const MAC = '52:54:00:5e:00:01';
const GIB = 2 ** 30;
/**
 * Events of this lifecycle (register, inspect, provision, deprovision, the power-on after it): 232
 * on main before the change (3 endAgent activities, settings and register as activities: 6 events
 * each), 198 after; the margin covers signals landing in their own workflow task or not.
 */
const MAX_EVENTS = 215;
/** Activities that must not be scheduled as (remote) activities any more. */
const GONE = ['endAgent', 'loadHostSettings', 'registerHost'];

const stack = new TestStack();
const ipa = new SimulatedIpaServer({ durationMs: () => 20 });
/** The boot worker's agent API and the simulated agents (started in beforeAll). */
let agentBoot: AgentBoot | undefined;
const apiUrl = (): string => agentBoot?.apiUrl ?? '';
let connection: Connection | undefined;
let worker: InProcessWorker | undefined;

const simulated: SimulatedMachine = {
  inventory: {
    interfaces: [{ name: 'eth0', mac_address: MAC }],
    cpu: { model_name: 'Test CPU', count: 4, architecture: 'x86_64' },
    memory: { total: 8 * GIB, physical_mb: 8192 },
    disks: [{ name: '/dev/sda', size: 100 * GIB, rotational: false, serial: 'S-LE-0' }],
    boot: { current_boot_mode: 'uefi', pxe_interface: MAC },
  },
  disks: { '/dev/sda': { partitionTable: true } },
  poweredOff: false,
};
const machine = { on: false };
/** The agent API's answer to a lookup of the host's boot MAC at each power action after the first agent boot. */
const lookupsAtPowerActions: Array<{ action: string; status: number }> = [];
let agentBooted = false;

const lookupStatus = async (): Promise<number> => {
  const res = await fetch(`${apiUrl()}/v1/lookup?addresses=${MAC}`, { headers: { 'X-OpenStack-Ironic-API-Version': '1.62' } });
  await res.arrayBuffer();
  return res.status;
};
const powerAction = async (action: string): Promise<void> => {
  if (agentBooted) lookupsAtPowerActions.push({ action, status: await lookupStatus() });
};
const post = async (path: string, body: unknown): Promise<Response> =>
  fetch(`${apiUrl()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** IPA's start-up: inspection data first (refused outside inspection sessions), then lookup and, with a token, the first heartbeat. */
async function agentBoots(uuid: string): Promise<void> {
  agentBooted = true;
  await (await post('/v1/continue_inspection', { inventory: simulated.inventory })).arrayBuffer();
  const res = await fetch(`${apiUrl()}/v1/lookup?addresses=${MAC}`, { headers: { 'X-OpenStack-Ironic-API-Version': '1.62' } });
  const body = (await res.json()) as { config?: { agent_token?: string } };
  const token = body.config?.agent_token;
  if (res.status !== 200 || !token) return; // an inspection session ended with the inspection: no more lookups
  ipa.boot(uuid, simulated, token);
  await (await post(`/v1/heartbeat/${uuid}`, { callback_url: `${agentBoot?.ipaBase ?? ''}/${uuid}`, agent_token: token, agent_version: 'test' })).arrayBuffer();
}

const settings: HostSettings = { ...DEFAULT_HOST_SETTINGS, agent: 'ipa', agentCallbackTimeoutMs: 90_000, provisioningLimit: 2 };
/** Registration of the other hosts: `flaky-*` fails its first attempt retryably, `refused-*` is refused (bad credentials). */
const registerAttempts = new Map<string, number>();
const register = async (input: StepInput): Promise<{ poweredOn: boolean }> => {
  const name = input.target.name;
  const n = (registerAttempts.get(name) ?? 0) + 1;
  registerAttempts.set(name, n);
  if (name.startsWith('flaky') && n === 1) throw new Error('BMC connection reset');
  if (name.startsWith('refused')) throw ApplicationFailure.nonRetryable('BMC refused the credentials (401)', FailureType.BmcAuthenticationError);
  return { poweredOn: name === NAME ? machine.on : false };
};
const activities = (client: Client): HostActivities => stubHostActivities({
  loadHostSettings: async () => settings,
  registerHost: register,
  getPowerState: async () => machine.on,
  watchPower: async () => ({ poweredOn: machine.on, watching: true }),
  setPowerState: async (input: SetPowerInput) => {
    await powerAction(`setPowerState ${input.on ? 'on' : 'off'}`);
    machine.on = input.on;
    if (!input.on) ipa.shutdown(input.target.uid);
  },
  prepareHost: async () => undefined,
  bootAgent: async (input: StepInput) => {
    ipa.shutdown(input.target.uid);
    machine.on = true;
    await agentBoots(input.target.uid);
  },
  bootFromDisk: async (input: SetPowerInput) => {
    await powerAction('bootFromDisk');
    ipa.shutdown(input.target.uid);
    machine.on = input.on;
  },
  forgetHost: async () => undefined,
  hasProvisioningCapacity: async () => true,
  ...createSlotActivities(client),
});

beforeAll(async () => {
  agentBoot = await startAgentBoot(stack, ipa);
  connection = await Connection.connect({ address: stack.address });
  worker = await startInProcessWorker(stack, activities(new Client({ connection, namespace: stack.namespace })));
}, 180_000);
afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await agentBoot?.close();
  await stack.stop();
});

describe('history cost of an agent lifecycle', () => {
  it('inspects, provisions and deprovisions without endAgent, with local short calls, and each session ends before the next power action', async () => {
    const spec = [
      'online: true',
      `bootMACAddress: "${MAC}"`,
      'bmc: {address: "redfish+http://127.0.0.1:9/redfish/v1/Systems/1", credentialsName: BMC}',
      `image: {url: "http://images.test.invalid/os.raw", checksum: "${'c'.repeat(64)}", checksumType: sha256, format: raw}`,
    ];
    await stack.client.apply([{ name: `${NAME}.yaml`, text: hostManifest(NS, NAME, spec.map((l) => l.replace('BMC', `${NAME}-bmc`))) }]);
    const provisioned = await stack.client.waitFor(NS, NAME, (h) => h.status.provisioning.state === 'provisioned' || h.status.errorType !== '', 120_000);
    expect(provisioned.status.errorMessage).toBe('');
    expect(provisioned.status.provisioning.state).toBe('provisioned');
    expect(provisioned.status.hardware?.cpu?.count).toBe(4); // inspected by the agent
    expect(simulated.disks['/dev/sda']?.image).toBe('http://images.test.invalid/os.raw');

    await stack.client.signal(NS, NAME, OperatorSignal.deprovision);
    await stack.client.waitFor(NS, NAME, (h) => h.status.provisioning.state === 'available' && h.status.operationHistory.deprovision.end !== null && h.status.poweredOn, 120_000);

    // Token rule: no agent session (so no token) outlives its boot into the power action that follows.
    expect(lookupsAtPowerActions.length).toBeGreaterThanOrEqual(5);
    expect(lookupsAtPowerActions.filter((l) => l.status !== 404)).toEqual([]);

    const events = (await stack.client.handle(NS, NAME).fetchHistory()).events ?? [];
    const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => typeof n === 'string');
    expect(scheduled.filter((n) => GONE.includes(n))).toEqual([]);
    expect(scheduled.filter((n) => n === 'expectAgent')).toHaveLength(3); // inspect, provision, deprovision: each session was opened
    expect(events.length).toBeLessThan(MAX_EVENTS);

    const id = hostWorkflowId(NS, NAME);
    if (process.env.RECORD_HISTORIES) {
      const dir = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}${id.replace(/\//g, '_')}.json`, await stack.temporal(['workflow', 'show', '--workflow-id', id, '-o', 'json']));
    }
    const { replayed, failures } = await replayHistories([{ workflowId: id, history: await stack.client.handle(NS, NAME).fetchHistory() }]);
    expect(failures).toEqual([]);
    expect(replayed).toBe(1);
  }, 240_000);
});

describe('registration as a local activity', () => {
  const plain = (name: string, mac: string): Promise<unknown> =>
    stack.client.apply([{ name: `${name}.yaml`, text: hostManifest(NS, name, ['online: false', 'inspectionMode: disabled', `bootMACAddress: "${mac}"`, `bmc: {address: "redfish+http://127.0.0.1:9/redfish/v1/Systems/1", credentialsName: ${name}-bmc}`]) }]);
  const historyOf = async (name: string) => (await stack.client.handle(NS, name).fetchHistory()).events ?? [];
  const localMarkers = (events: Awaited<ReturnType<typeof historyOf>>) => events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
  const scheduledRegistrations = (events: Awaited<ReturnType<typeof historyOf>>) => events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'registerHost');

  it('falls back to the normal activity (its retries) after a failed local attempt', async () => {
    await plain('flaky-0', '52:54:00:5e:00:02');
    const v = await stack.client.waitFor(NS, 'flaky-0', (h) => h.status.provisioning.state === 'available' || h.status.errorCount > 0, 60_000);
    expect(v.status.errorMessage).toBe('');
    expect(v.status.provisioning.state).toBe('available');
    expect(registerAttempts.get('flaky-0')).toBe(2);
    const events = await historyOf('flaky-0');
    expect(localMarkers(events).some((e) => e.markerRecordedEventAttributes?.failure?.message?.includes('BMC connection reset'))).toBe(true);
    expect(scheduledRegistrations(events)).toHaveLength(1);
  });

  it('takes a refusal (bad credentials) as final: no fallback, no second try at the BMC', async () => {
    await plain('refused-0', '52:54:00:5e:00:03');
    const v = await stack.client.waitFor(NS, 'refused-0', (h) => h.currentStep === 'waiting for new BMC credentials', 60_000);
    expect(v.status.errorType).toBe('registration error');
    expect(v.status.errorMessage).toBe('registerHost: BMC refused the credentials (401)'); // as the normal activity's failure reads
    expect(registerAttempts.get('refused-0')).toBe(1);
    expect(scheduledRegistrations(await historyOf('refused-0'))).toEqual([]);
  });
});
