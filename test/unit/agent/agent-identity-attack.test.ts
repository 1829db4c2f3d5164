/**
 * Attacks on the agent identity, as a machine on the provisioning network would try them, on
 * loopback: lookup by host name, host facts in iPXE scripts, wrong tokens, a foreign callback URL,
 * continue_inspection outside inspection / repeated / oversized / with another host's MACs.
 * Each attack must fail and signal nothing to the host workflow.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_INSPECTION_BODY_BYTES, IronicAgentApi } from '../../../src/agent/ironic-api.js';
import { AgentSessions } from '../../../src/boot/agent-sessions.js';
import { BootConfigStore } from '../../../src/boot/boot-config.js';
import { agentScript, localBootScript } from '../../../src/boot/http/ipxe-script.js';
import type { AgentHeartbeatArg, AgentInspectionArg } from '../../../src/contract/index.js';
import { useAgentApi } from '../../helpers/agent-api.js';

const A = { workflowId: 'wf-a', uuid: '0f3b9a52-6c1e-4d0a-9a57-2b8e61c4d0a1', name: 'tenant-a-db', macs: ['52:54:00:aa:00:01'], session: 'sa' };
const B = { workflowId: 'wf-b', uuid: '7d41c2e8-03b5-4f9e-8c11-5e2a9d7f3b02', name: 'tenant-b-web', macs: ['52:54:00:bb:00:01'], session: 'sb' };
const OTHER_BOOT_MAC = '52:54:00:cc:00:01'; // a third host's boot MAC, known to the boot configuration only

let signals: Array<{ workflowId: string; kind: 'heartbeat' | 'inspection'; arg: AgentHeartbeatArg | AgentInspectionArg }> = [];
const boot = new BootConfigStore();
const sessions = new AgentSessions(
  {
    heartbeat: async (workflowId, arg) => void signals.push({ workflowId, kind: 'heartbeat', arg }),
    inspection: async (workflowId, arg) => void signals.push({ workflowId, kind: 'inspection', arg }),
  },
  { boot },
);
const api = new IronicAgentApi({ backend: sessions });
const call = useAgentApi(api);
beforeEach(() => {
  signals = [];
  boot.set({ mac: OTHER_BOOT_MAC, uuid: 'c0000000-0000-4000-8000-00000000000c', name: 'tenant-c', action: 'local' });
  for (const h of [A, B]) {
    api.endAgentSession(h.uuid);
    sessions.close(h.uuid, h.session);
  }
});

const inventory = (macs: string[], extra: Record<string, unknown> = {}) => ({
  inventory: { interfaces: macs.map((m, i) => ({ name: `eth${i}`, mac_address: m })), disks: [], ...extra },
  root_disk: null,
  configuration: { collectors: ['default'] },
});
async function tokenOf(host: typeof A): Promise<string> {
  const r = await call('GET', `/v1/lookup?addresses=${host.macs.join(',')}`);
  expect(r.status).toBe(200);
  return (JSON.parse(r.text) as { config: { agent_token: string } }).config.agent_token;
}

describe('agent identity attacks', () => {
  it('lookup and heartbeat by host name find nothing', async () => {
    sessions.open({ ...A, inspect: false });
    for (const id of [A.name, encodeURIComponent(`ns/${A.name}`)]) {
      const r = await call('GET', `/v1/lookup?node_uuid=${id}`);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.text).not.toContain('agent_token');
    }
    expect((await call('POST', `/v1/heartbeat/${A.name}`, { callback_url: 'http://127.0.0.1:9999', agent_token: 'x'.repeat(43) })).status).toBe(404);
    expect(signals).toEqual([]);
  });

  it('iPXE scripts carry no host name, MAC or UUID, and a known host boots locally with the same script as a stranger', () => {
    const target = { mac: A.macs[0] ?? '', uuid: A.uuid, name: `ns/${A.name}`, action: 'agent' as const, inspect: true };
    const settings = { agentBaseUrl: 'http://10.0.0.1/agent', kernel: 'k', initramfs: 'i', apiUrl: 'http://10.0.0.1:6385' };
    for (const script of [agentScript(target, settings), localBootScript()]) {
      expect(script).not.toContain(A.name);
      expect(script).not.toContain(A.uuid);
      expect(script).not.toContain(A.macs[0]);
    }
  });

  it('answers a lookup of unknown MACs and of a host with no session alike, naming nothing', async () => {
    const unknown = await call('GET', '/v1/lookup?addresses=52:54:00:ff:ff:ff');
    const idle = await call('GET', `/v1/lookup?addresses=${A.macs[0]}`);
    expect([unknown.status, idle.status]).toEqual([404, 404]);
    expect(idle.text).toBe(unknown.text);
    const unknownUuid = await call('GET', `/v1/lookup?node_uuid=${A.uuid}`);
    expect(unknownUuid.text).toBe(unknown.text);
    const hb = await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'http://127.0.0.1:9999', agent_token: 'x'.repeat(43) });
    expect(hb.status).toBe(404);
    expect(hb.text).not.toContain(A.uuid);
  });

  it('refuses a lookup whose MACs belong to two hosts', async () => {
    sessions.open({ ...A, inspect: false });
    sessions.open({ ...B, inspect: false });
    expect((await call('GET', `/v1/lookup?addresses=${A.macs[0]},${B.macs[0]}`)).status).toBe(404);
  });

  it('gives a host whose boot MAC another session holds as an inspected MAC its own session', async () => {
    // A holds B's boot MAC from an inspection recorded before B was known; B's agent must still find B.
    sessions.open({ ...A, macs: [...A.macs, ...B.macs], inspect: false });
    sessions.open({ ...B, inspect: false });
    const r = await call('GET', `/v1/lookup?addresses=${B.macs[0]},52:54:00:bb:00:02`);
    expect(r.status).toBe(200);
    expect((JSON.parse(r.text) as { node: { uuid: string } }).node.uuid).toBe(B.uuid);
  });

  it('never makes a MAC that inspection reported a lookup key: only the boot MAC finds the host', async () => {
    // An attacker's continue_inspection added its own MAC to A's inventory; at the next boot it must not get A's token.
    const attackerMac = '52:54:00:ee:00:66';
    sessions.open({ ...A, macs: [...A.macs, attackerMac], inspect: false });
    const r = await call('GET', `/v1/lookup?addresses=${attackerMac}`);
    expect(r.status).toBe(404);
    expect(r.text).not.toContain('agent_token');
    expect((await call('GET', `/v1/lookup?addresses=${attackerMac},${A.macs[0]}`)).status).toBe(200); // the real agent sends all its MACs
  });

  it('hands the network data only with the token, never to a repeated lookup', async () => {
    sessions.open({ ...A, inspect: false, networkData: 'interfaces: [{name: eth0, ipv4: {address: [{ip: 10.1.2.3}]}}]' });
    const first = await call('GET', `/v1/lookup?addresses=${A.macs[0]}`);
    expect(first.text).toContain('network_data');
    const again = await call('GET', `/v1/lookup?addresses=${A.macs[0]}`);
    expect(again.status).toBe(200);
    expect(again.text).toContain('******');
    expect(again.text).not.toContain('10.1.2.3');
  });

  it('refuses a node_uuid lookup whose MACs are not that host\'s', async () => {
    sessions.open({ ...A, inspect: false });
    expect((await call('GET', `/v1/lookup?node_uuid=${A.uuid}&addresses=52:54:00:ff:ff:ff`)).status).toBe(404);
  });

  it('refuses a wrong token', async () => {
    sessions.open({ ...A, inspect: false });
    await tokenOf(A);
    expect((await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'http://127.0.0.1:9999', agent_token: 'y'.repeat(43) })).status).toBe(400);
    expect(signals).toEqual([]);
  });

  it('refuses a callback URL that does not point at the heartbeat\'s source, and odd callback URLs', async () => {
    sessions.open({ ...A, inspect: false });
    const token = await tokenOf(A);
    for (const url of ['http://10.9.9.9:9999', 'http://user:pw@127.0.0.1:9999', 'http://127.0.0.1:0', 'file:///etc/passwd', 'http://localhost:9999', 'http://127.0.0.1:9999/?x=1', 'gopher://127.0.0.1:9999']) {
      const r = await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: url, agent_token: token });
      expect(r.status, url).toBe(400);
    }
    expect(signals).toEqual([]);
    expect(sessions.get(A.uuid)?.callbackUrl).toBeUndefined();
    // The refused URLs pinned nothing: the agent's own URL still works.
    expect((await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'http://127.0.0.1:9999', agent_token: token })).status).toBe(202);
    expect(signals.map((s) => s.kind)).toEqual(['heartbeat']);
  });

  it('refuses continue_inspection in a cleaning/deploy session', async () => {
    sessions.open({ ...A, inspect: false });
    const r = await call('POST', '/v1/continue_inspection', inventory(A.macs));
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.text).not.toContain(A.uuid);
    expect(signals).toEqual([]);
  });

  it('takes inspection data once per session', async () => {
    sessions.open({ ...A, inspect: true });
    expect((await call('POST', '/v1/continue_inspection', inventory(A.macs))).status).toBe(202);
    for (let i = 0; i < 5; i++) {
      const again = await call('POST', '/v1/continue_inspection', inventory(A.macs));
      expect([400, 409]).toContain(again.status);
    }
    expect(signals.map((s) => s.kind)).toEqual(['inspection']);
  });

  it('refuses an oversized inspection body without signalling', async () => {
    sessions.open({ ...A, inspect: true });
    const big = inventory(A.macs, { padding: 'x'.repeat(MAX_INSPECTION_BODY_BYTES) });
    const r = await call('POST', '/v1/continue_inspection', big);
    expect(r.status).toBe(413);
    expect(signals).toEqual([]);
  });

  it('signals a bounded projection of a huge inventory, never the raw one', async () => {
    sessions.open({ ...A, inspect: true });
    const flags = Array.from({ length: 50_000 }, (_, i) => `flag${i}`);
    const body = inventory(A.macs, {
      cpu: { model_name: 'm'.repeat(100_000), flags },
      disks: Array.from({ length: 500 }, (_, i) => ({ name: `/dev/sd${i}`, size: 1, serial: 's'.repeat(1000) })),
      hostname: 'h'.repeat(100_000),
    });
    body.inventory.interfaces.push(...Array.from({ length: 500 }, (_, i) => ({ name: `x${i}`.repeat(200), mac_address: `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}` })));
    expect(JSON.stringify(body).length).toBeLessThan(MAX_INSPECTION_BODY_BYTES);
    const r = await call('POST', '/v1/continue_inspection', body);
    expect(r.status).toBe(202);
    const sent = signals[0]?.arg as AgentInspectionArg;
    expect(JSON.stringify(sent).length).toBeLessThan(256 * 1024);
  });

  it('refuses inventory MACs that belong to another host (open session or boot MAC) and logs it', async () => {
    sessions.open({ ...A, inspect: true });
    sessions.open({ ...B, inspect: false });
    const withB = await call('POST', '/v1/continue_inspection', inventory([...A.macs, ...B.macs]));
    expect(withB.status).toBeGreaterThanOrEqual(400);
    expect(withB.status).toBeLessThan(500);
    const withC = await call('POST', '/v1/continue_inspection', inventory([...A.macs, OTHER_BOOT_MAC]));
    expect(withC.status).toBeGreaterThanOrEqual(400);
    expect(withC.status).toBeLessThan(500);
    expect(withC.text).not.toContain('tenant-c');
    expect(signals).toEqual([]);
    // The host's own inventory still goes through afterwards.
    expect((await call('POST', '/v1/continue_inspection', inventory(A.macs))).status).toBe(202);
  });

  it('refuses inspection data without the host\'s boot MAC', async () => {
    sessions.open({ ...A, macs: [A.macs[0] ?? '', '52:54:00:aa:00:02'], inspect: true });
    expect((await call('POST', '/v1/continue_inspection', inventory(['52:54:00:aa:00:02']))).status).toBe(404);
    expect(signals).toEqual([]);
  });
});
