/**
 * A retried agent boot gets a fresh agent token (issue 10, item 7): Ironic wipes the token on every
 * power action, so the agent that boots after a power-cycle can look itself up and heartbeat. Here
 * the first boot attempt fails after its agent already looked up (the BMC reported the power-on
 * late); the next attempt power-cycles the machine and its agent must get a real token.
 * The boot-services worker is the real one (a process: agent API, sessions, tokens, agent
 * commands); the host worker runs in this process with stub BMC activities that play the machine:
 * every boot starts a simulated agent that looks itself up by MAC, as IPA does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostActivities } from '../../../src/activities/index.js';
import { createSlotActivities } from '../../../src/activities/provisioning-slots.js';
import { SimulatedIpaServer, type SimulatedMachine } from '../../../lab/agents/ipa-server.js';
import { DEFAULT_HOST_SETTINGS, type HostSettings, type SetPowerInput, type StepInput } from '../../../src/contract/index.js';
import { RETRY_MAXIMUM_ATTEMPTS } from '../../../src/workflows/activity-retry.js';
import { startAgentBoot, type AgentBoot } from '../../helpers/agent-boot-stack.js';
import { hostManifest } from '../../helpers/host-manifest.js';
import { startInProcessWorker, type InProcessWorker } from '../../helpers/in-process-worker.js';
import { stubHostActivities } from '../../helpers/stub-host-activities.js';
import { TestStack } from '../../helpers/stack.js';

const NS = 'it-agent-boot';
const GIB = 2 ** 30;
const MASKED = '******';

const stack = new TestStack();
const ipa = new SimulatedIpaServer({ durationMs: () => 20 });
let ipaBase = '';
let apiUrl = '';
let worker: InProcessWorker | undefined;
let agentBoot: AgentBoot | undefined;

/** A machine behind the stub BMC: its power, what each agent boot's lookup returned, and how its boots go. */
interface Machine {
  mac: string;
  on: boolean;
  lookups: Array<string | undefined>;
  heartbeats: number[];
  bootAttempts: number;
  /** Boot attempts that fail after the agent looked itself up (the BMC reports the power-on too late). */
  failingBoots: number;
  simulated: SimulatedMachine;
}
const machine = (mac: string, failingBoots: number): Machine => ({
  mac,
  on: false,
  lookups: [],
  heartbeats: [],
  bootAttempts: 0,
  failingBoots,
  simulated: {
    inventory: { interfaces: [{ name: 'eth0', mac_address: mac }], disks: [{ name: '/dev/sda', size: 100 * GIB, rotational: false, serial: `S-${mac}` }] },
    disks: { '/dev/sda': { partitionTable: true } },
    poweredOff: false,
  },
});
const machines: Record<string, Machine> = { 'ab-0': machine('52:54:00:55:00:01', 1), 'ab-1': machine('52:54:00:55:00:02', Infinity) };
const machineOf = (input: StepInput): Machine => machines[input.target.name] ?? machine('00:00:00:00:00:00', 0);

/** IPA's start-up after a boot: look itself up by MAC; with a real token, serve commands and heartbeat (unless cut off first). */
async function agentBoots(m: Machine, opts: { cutOffAfterLookup?: boolean } = {}): Promise<void> {
  const res = await fetch(`${apiUrl}/v1/lookup?addresses=${m.mac}`, { headers: { 'X-OpenStack-Ironic-API-Version': '1.62' } });
  const body = (await res.json()) as { node?: { uuid?: string }; config?: { agent_token?: string } };
  const token = body.config?.agent_token;
  m.lookups.push(res.status === 200 ? token : `HTTP ${res.status}`);
  const uuid = body.node?.uuid;
  if (!uuid || !token || token === MASKED || opts.cutOffAfterLookup) return; // IPA without a token: its heartbeats are refused
  ipa.boot(uuid, m.simulated, token);
  const hb = await fetch(`${apiUrl}/v1/heartbeat/${uuid}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ callback_url: `${ipaBase}/${uuid}`, agent_token: token, agent_version: 'test' }),
  });
  m.heartbeats.push(hb.status);
}

const settings: HostSettings = { ...DEFAULT_HOST_SETTINGS, agent: 'ipa', agentCallbackTimeoutMs: 90_000 };
/** BMC activities played by the test: power changes are instant; boots start an agent. */
const activities: HostActivities = stubHostActivities({
  loadHostSettings: async () => settings,
  registerHost: async (input: StepInput) => ({ poweredOn: machineOf(input).on }),
  getPowerState: async (target) => machineOf({ target, opId: '' }).on,
  watchPower: async (input) => ({ poweredOn: machineOf({ target: input.target, opId: '' }).on, watching: false }),
  setPowerState: async (input: SetPowerInput) => {
    machineOf(input).on = input.on;
    if (!input.on) ipa.shutdown(input.target.uid);
  },
  prepareHost: async () => undefined,
  bootAgent: async (input: StepInput) => {
    const m = machineOf(input);
    m.bootAttempts += 1;
    ipa.shutdown(input.target.uid); // a power-cycle: the agent running before is gone
    m.on = true;
    if (m.bootAttempts <= m.failingBoots) {
      // The agent comes up and looks itself up, but the BMC reports the power-on too late for us.
      await agentBoots(m, { cutOffAfterLookup: true });
      throw new Error('power did not turn on within 2s');
    }
    await agentBoots(m);
  },
  bootFromDisk: async (input: SetPowerInput) => {
    ipa.shutdown(input.target.uid);
    machineOf(input).on = input.on;
  },
  forgetHost: async () => undefined,
  hasProvisioningCapacity: async () => true,
  ...createSlotActivities(undefined), // no limit in this test: every slot is granted
});

const spec = (m: Machine): string[] => [
  'online: true',
  `bootMACAddress: "${m.mac}"`,
  'inspectionMode: disabled',
  'automatedCleaningMode: disabled',
  'bmc: {address: "redfish+http://127.0.0.1:9/redfish/v1/Systems/1", credentialsName: BMC}',
  `image: {url: "http://images.test.invalid/os.raw", checksum: "${'c'.repeat(64)}", checksumType: sha256, format: raw}`,
];
const apply = (name: string, m: Machine): Promise<unknown> =>
  stack.client.apply([{ name: `${name}.yaml`, text: hostManifest(NS, name, spec(m).map((l) => l.replace('BMC', `${name}-bmc`))) }]);

beforeAll(async () => {
  agentBoot = await startAgentBoot(stack, ipa);
  ({ ipaBase, apiUrl } = agentBoot);
  worker = await startInProcessWorker(stack, activities);
}, 180_000);
afterAll(async () => {
  await worker?.stop();
  await agentBoot?.close();
  await stack.stop();
});

describe('agent boot retried after the agent looked up', () => {
  it('gives the agent of the retried boot a real token; it heartbeats and the host is provisioned', async () => {
    const m = machines['ab-0'] as Machine;
    await apply('ab-0', m);
    await expect.poll(() => m.lookups.length, { timeout: 90_000, interval: 200 }).toBeGreaterThanOrEqual(2);
    const [first, second] = m.lookups;
    expect(first).toMatch(/^[\w-]{32,}$/); // the first agent got its token...
    expect(second).not.toBe(MASKED); // ...and the agent booted by the retry must get one too
    expect(second).toMatch(/^[\w-]{32,}$/);
    expect(second).not.toBe(first);
    const v = await stack.client.waitFor(NS, 'ab-0', (h) => h.status.provisioning.state === 'provisioned' || h.status.errorType !== '', 120_000);
    expect(v.status.errorMessage).toBe('');
    expect(v.status.provisioning.state).toBe('provisioned');
    expect(m.heartbeats).toEqual([202]);
    expect(m.simulated.disks['/dev/sda']?.image).toBe('http://images.test.invalid/os.raw');
    // Each attempt: machine off, then a new session (fresh token), then the boot; the deploy, the last
    // command, ends the session itself before the power action after it (no endAgent).
    const history = await stack.client.handle(NS, 'ab-0').fetchHistory();
    const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => typeof n === 'string');
    const boot = scheduled.slice(scheduled.indexOf('expectAgent') - 1, scheduled.indexOf('bootFromDisk') + 1);
    expect(boot).toEqual(['setPowerState', 'expectAgent', 'bootAgent', 'setPowerState', 'expectAgent', 'bootAgent', 'agentDeploy', 'bootFromDisk']);
  });

  it('gives up after RETRY_MAXIMUM_ATTEMPTS boot attempts, each with its own token, as a provisioning error', async () => {
    const m = machines['ab-1'] as Machine;
    await apply('ab-1', m);
    const v = await stack.client.waitFor(NS, 'ab-1', (h) => h.status.errorType !== '', 120_000);
    expect(v.status.errorType).toBe('provisioning error');
    expect(v.status.errorMessage).toContain('bootAgent: power did not turn on');
    expect(m.bootAttempts).toBe(RETRY_MAXIMUM_ATTEMPTS);
    expect(m.lookups).toHaveLength(RETRY_MAXIMUM_ATTEMPTS);
    expect(m.lookups.every((t) => typeof t === 'string' && /^[\w-]{32,}$/.test(t))).toBe(true);
    expect(new Set(m.lookups).size).toBe(RETRY_MAXIMUM_ATTEMPTS);
  });
});
