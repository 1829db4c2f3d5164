/**
 * The last agent command of a session ends the session itself (issue 14, PERF-PLAN change 2):
 * asked with endSession, agentClean / agentDeploy / agentConfigureRaid end it once their work
 * succeeded (token wiped, lookups refused, the boot MAC boots locally) and say so, so the workflow
 * skips endAgent. A failed command leaves the session open for endAgent, as before.
 */
import type { Server } from 'node:http';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedIpaServer, type SimulatedMachine } from '../../../lab/agents/ipa-server.js';
import { createBootActivities } from '../../../src/activities/boot-activities.js';
import { portOf } from '../../../src/agent/http-server.js';
import { IronicAgentApi } from '../../../src/agent/ironic-api.js';
import { AgentSessions } from '../../../src/boot/agent-sessions.js';
import { BootConfigStore } from '../../../src/boot/boot-config.js';
import type { Keyring } from '../../../src/secrets/keyring.js';
import { failureOf } from '../../helpers/activity-failure.js';
import { useAgentApi } from '../../helpers/agent-api.js';

const UUID = '6c1f9a8b-2d3e-4f5a-8b6c-7d8e9f0a1b2c';
const MAC = '52:54:00:6c:00:01';
let failClean = false;
const ipa = new SimulatedIpaServer({ durationMs: () => 5, failure: (_, command) => (failClean && command === 'clean.execute_clean_step' ? 'Simulated failure: erase_devices_metadata failed' : undefined) });
let ipaServer: Server;
const boot = new BootConfigStore();
const sessions = new AgentSessions({ heartbeat: async () => undefined, inspection: async () => undefined }, { boot });
const api = new IronicAgentApi({ backend: sessions });
const activities = createBootActivities({ sessions, api, keyring: {} as Keyring, boot, agentPollMs: 10 });
const call = useAgentApi(api);
const env = new MockActivityEnvironment();
const machine = (): SimulatedMachine => ({ inventory: { interfaces: [{ name: 'eth0', mac_address: MAC }] }, disks: { '/dev/sda': { partitionTable: true } }, poweredOff: false });

beforeAll(async () => {
  ipaServer = await ipa.listen(0, '127.0.0.1');
});
afterAll(() => ipaServer.close());

/** Opens a session and plays the agent's start: lookup (its token), first heartbeat (its callback URL). */
async function agentSession(session: string): Promise<string> {
  await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session });
  const token = ((await call('GET', `/v1/lookup?addresses=${MAC}`)).json.config as { agent_token: string }).agent_token;
  ipa.boot(UUID, machine(), token);
  const hb = await call('POST', `/v1/heartbeat/${UUID}`, { callback_url: `http://127.0.0.1:${portOf(ipaServer)}/${UUID}`, agent_token: token });
  expect(hb.status).toBe(202);
  return token;
}

describe('the last agent command ends its session', () => {
  it('agentClean with endSession ends the session once the clean succeeded, and says so', async () => {
    const token = await agentSession('c1');
    expect(await env.run(activities.agentClean, { uuid: UUID, session: 'c1', endSession: true })).toEqual({ sessionEnded: true });
    expect(sessions.get(UUID)).toBeUndefined();
    expect(api.tokens.verify(UUID, token)).toBe(false);
    expect(boot.get(MAC)?.action).toBe('local');
    expect((await call('GET', `/v1/lookup?addresses=${MAC}`)).status).toBe(404);
    await env.run(activities.endAgent, { uuid: UUID, session: 'c1' }); // a run from before: ending again changes nothing
  });

  it('agentClean without endSession (not the last command, or a run from before) keeps the session', async () => {
    const token = await agentSession('c2');
    expect(await env.run(activities.agentClean, { uuid: UUID, session: 'c2' })).toEqual({});
    expect(sessions.get(UUID)?.session).toBe('c2');
    expect(api.tokens.verify(UUID, token)).toBe(true);
    await env.run(activities.endAgent, { uuid: UUID, session: 'c2' });
    expect(api.tokens.verify(UUID, token)).toBe(false);
  });

  it('a failed last command leaves the session open for endAgent', async () => {
    const token = await agentSession('c3');
    failClean = true;
    try {
      const f = await failureOf(env.run(activities.agentClean, { uuid: UUID, session: 'c3', endSession: true }));
      expect(f.message).toContain('erase_devices_metadata failed');
    } finally {
      failClean = false;
    }
    expect(sessions.get(UUID)?.session).toBe('c3');
    expect(api.tokens.verify(UUID, token)).toBe(true);
    await env.run(activities.endAgent, { uuid: UUID, session: 'c3' });
    expect(sessions.get(UUID)).toBeUndefined();
  });
});
