/**
 * Agent sessions of the boot-services worker: a heartbeat or inspection counts as delivered only
 * once the workflow signal is accepted; every session starts with a fresh, unrevealed token that
 * its end wipes; hardware MACs that are another host's boot MAC never become lookup keys.
 */
import { describe, expect, it } from 'vitest';
import { createBootActivities } from '../../../src/activities/boot-activities.js';
import { IronicAgentApi } from '../../../src/agent/ironic-api.js';
import { MASKED_TOKEN } from '../../../src/agent/tokens.js';
import { AgentSessions, MAX_INSPECTION_ERROR_CHARS } from '../../../src/boot/agent-sessions.js';
import { BootConfigStore } from '../../../src/boot/boot-config.js';
import type { AgentHeartbeatArg, AgentInspectionArg } from '../../../src/contract/index.js';
import type { Keyring } from '../../../src/secrets/keyring.js';
import { useAgentApi } from '../../helpers/agent-api.js';

const UUID = '5b0e8f7a-1c2d-4e3f-9a4b-6c7d8e9f0a1b';
const MAC = '52:54:00:5b:00:01';
let failNext = 0;
const delivered: Array<AgentHeartbeatArg | AgentInspectionArg> = [];
const signal = async (arg: AgentHeartbeatArg | AgentInspectionArg): Promise<void> => {
  if (failNext > 0) {
    failNext -= 1;
    throw new Error('Temporal unavailable');
  }
  delivered.push(arg);
};
const boot = new BootConfigStore();
const sessions = new AgentSessions({ heartbeat: async (_, a) => signal(a), inspection: async (_, a) => signal(a) }, { boot });
const api = new IronicAgentApi({ backend: sessions });
const activities = createBootActivities({ sessions, api, keyring: {} as Keyring, boot });
const call = useAgentApi(api);
const lookupToken = async (): Promise<string> => ((await call('GET', `/v1/lookup?addresses=${MAC}`)).json.config as { agent_token: string }).agent_token;

describe('agent sessions', () => {
  it('keeps a heartbeat undelivered while its signal fails (503, retried by the next heartbeat)', async () => {
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session: 's1' });
    const token = await lookupToken();
    failNext = 1;
    const first = await call('POST', `/v1/heartbeat/${UUID}`, { callback_url: 'http://127.0.0.1:9999', agent_token: token });
    expect(first.status).toBe(503);
    expect(sessions.get(UUID)?.callbackUrl).toBeUndefined();
    expect(delivered).toEqual([]);
    const second = await call('POST', `/v1/heartbeat/${UUID}`, { callback_url: 'http://127.0.0.1:9999', agent_token: token });
    expect(second.status).toBe(202);
    expect(sessions.get(UUID)?.callbackUrl).toBe('http://127.0.0.1:9999');
    expect(delivered).toEqual([{ session: 's1', callbackUrl: 'http://127.0.0.1:9999' }]);
    // Later heartbeats are not signalled again.
    expect((await call('POST', `/v1/heartbeat/${UUID}`, { callback_url: 'http://127.0.0.1:9999', agent_token: token })).status).toBe(202);
    expect(delivered).toHaveLength(1);
    await activities.endAgent({ uuid: UUID, session: 's1' });
    delivered.length = 0;
  });

  it('keeps inspection data undelivered while its signal fails, and takes it on the retry', async () => {
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session: 's2', inspect: true });
    const body = { inventory: { interfaces: [{ name: 'eth0', mac_address: MAC }] } };
    failNext = 1;
    expect((await call('POST', '/v1/continue_inspection', body)).status).toBe(503);
    expect(delivered).toEqual([]);
    expect((await call('POST', '/v1/continue_inspection', body)).status).toBe(202);
    expect(delivered).toHaveLength(1);
    await activities.endAgent({ uuid: UUID, session: 's2' });
    delivered.length = 0;
  });

  it('ends an inspection session once its data was delivered and answered, and says so in the signal; a failed delivery keeps it', async () => {
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session: 's10', inspect: true });
    const body = { inventory: { interfaces: [{ name: 'eth0', mac_address: MAC }] } };
    failNext = 1;
    expect((await call('POST', '/v1/continue_inspection', body, { 'X-OpenStack-Ironic-API-Version': '1.84' })).status).toBe(503);
    expect(sessions.get(UUID)?.session).toBe('s10'); // IPA's retry must still find it
    // API 1.84: the answer is a lookup body, the first reveal of this boot's token...
    const answer = await call('POST', '/v1/continue_inspection', body, { 'X-OpenStack-Ironic-API-Version': '1.84' });
    expect(answer.status).toBe(202);
    const token = (answer.json.config as { agent_token: string }).agent_token;
    expect(token).not.toBe(MASKED_TOKEN);
    expect(delivered).toEqual([expect.objectContaining({ session: 's10', sessionEnds: true })]);
    // ...which does not outlive the session: ended as endAgent ends one, with no activity.
    expect(sessions.get(UUID)).toBeUndefined();
    expect(api.tokens.verify(UUID, token)).toBe(false);
    expect(boot.get(MAC)?.action).toBe('local');
    expect((await call('GET', `/v1/lookup?addresses=${MAC}`)).status).toBe(404);
    // A workflow from before the change still ends it: nothing left to end, nothing fails.
    await activities.endAgent({ uuid: UUID, session: 's10' });
    delivered.length = 0;
  });

  it('does not signal the heartbeat of an inspection session: the workflow waits for its inspection data only', async () => {
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session: 's9', inspect: true });
    const token = await lookupToken();
    expect((await call('POST', `/v1/heartbeat/${UUID}`, { callback_url: 'http://127.0.0.1:9999', agent_token: token })).status).toBe(202);
    expect(delivered).toEqual([]);
    // The boot services still know where the agent listens.
    expect(sessions.get(UUID)?.callbackUrl).toBe('http://127.0.0.1:9999');
    await activities.endAgent({ uuid: UUID, session: 's9' });
  });

  it('cuts the ramdisk\'s error report to MAX_INSPECTION_ERROR_CHARS', async () => {
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session: 's8', inspect: true });
    const body = { inventory: { interfaces: [{ name: 'eth0', mac_address: MAC }] }, error: 'e'.repeat(MAX_INSPECTION_ERROR_CHARS * 50) };
    expect((await call('POST', '/v1/continue_inspection', body)).status).toBe(202);
    expect((delivered.at(-1) as AgentInspectionArg).error).toHaveLength(MAX_INSPECTION_ERROR_CHARS);
    await activities.endAgent({ uuid: UUID, session: 's8' });
    delivered.length = 0;
  });

  it('gives every session a fresh token, revealed once, wiped when the session ends', async () => {
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session: 's3' });
    const first = await lookupToken();
    expect(first).not.toBe(MASKED_TOKEN);
    expect(await lookupToken()).toBe(MASKED_TOKEN);
    // A retried agent boot opens a new session: a new agent must get a token of its own.
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session: 's4' });
    const second = await lookupToken();
    expect(second).not.toBe(MASKED_TOKEN);
    expect(second).not.toBe(first);
    expect(api.tokens.verify(UUID, first)).toBe(false);
    await activities.endAgent({ uuid: UUID, session: 's4' });
    expect(api.tokens.verify(UUID, second)).toBe(false);
    expect(api.tokens.current(UUID)).toBeUndefined();
    expect((await call('GET', `/v1/lookup?addresses=${MAC}`)).status).toBe(404);
  });

  it('keeps the current session\'s token when an older session of the host is ended late', async () => {
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session: 's6' });
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC], session: 's7' });
    const token = await lookupToken();
    await activities.endAgent({ uuid: UUID, session: 's6' });
    expect(api.tokens.verify(UUID, token)).toBe(true);
    expect(sessions.get(UUID)?.session).toBe('s7');
    await activities.endAgent({ uuid: UUID, session: 's7' });
    expect(api.tokens.verify(UUID, token)).toBe(false);
  });

  it('keeps only the boot MAC as a session\'s lookup key (another host\'s boot MAC and inspected MACs alike)', async () => {
    boot.set({ mac: '52:54:00:99:00:01', uuid: 'other', name: 'other', action: 'local' });
    await activities.expectAgent({ workflowId: 'wf', uuid: UUID, name: 'h', macs: [MAC, '52:54:00:99:00:01', '52:54:00:5b:00:02'], session: 's5' });
    expect(sessions.get(UUID)?.macs).toEqual([MAC]);
    expect((await call('GET', '/v1/lookup?addresses=52:54:00:99:00:01')).status).toBe(404);
    expect((await call('GET', '/v1/lookup?addresses=52:54:00:5b:00:02')).status).toBe(404);
    await activities.endAgent({ uuid: UUID, session: 's5' });
  });
});
