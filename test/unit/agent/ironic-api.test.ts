/**
 * The Ironic agent endpoints, driven with the request sequence the stock IPA sends
 * (ironic_api_client.py, inspector.py, agent.py), over loopback HTTP.
 */
import { describe, expect, it } from 'vitest';
import { IronicAgentApi, type AgentBackend, type AgentHost, type Heartbeat } from '../../../src/agent/ironic-api.js';
import { useAgentApi } from '../../helpers/agent-api.js';

type TestHost = AgentHost & { name: string; macs: string[] };
const A: TestHost = { uuid: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'host-a', lookupAllowed: true, macs: ['52:54:00:00:00:0a', '52:54:00:00:01:0a'] };
const B: TestHost = { uuid: 'bbbbbbbb-0000-4000-8000-000000000002', name: 'host-b', lookupAllowed: true, macs: ['52:54:00:00:00:0b'] };
const C: TestHost = { uuid: 'cccccccc-0000-4000-8000-000000000003', name: 'host-c', lookupAllowed: false, macs: ['52:54:00:00:00:0c'] };
const hosts = [A, B, C];
const nameOf = (h: AgentHost): string => hosts.find((x) => x.uuid === h.uuid)?.name ?? '?';
const heartbeats: Array<{ host: string; hb: Heartbeat }> = [];
const inspections: Array<{ host: string; data: Record<string, unknown> }> = [];
const backend: AgentBackend = {
  findByMacs: async (macs) => hosts.find((h) => h.macs.some((m) => macs.includes(m))),
  findByUuid: async (uuid) => hosts.find((h) => h.uuid === uuid),
  heartbeat: async (host, hb) => void heartbeats.push({ host: nameOf(host), hb }),
  inspectionData: async (host, data) => void inspections.push({ host: nameOf(host), data }),
};
const api = new IronicAgentApi({ backend, heartbeatTimeoutSeconds: 60 });
const call = useAgentApi(api);
const inventory = (macs: string[]) => ({ inventory: { interfaces: macs.map((m, i) => ({ name: `eth${i}`, mac_address: m })), disks: [] }, root_disk: null, configuration: { collectors: ['default', 'logs'] } });
const v = { 'X-OpenStack-Ironic-API-Version': '1.62' };

describe('Ironic agent API: the IPA sequence', () => {
  let tokenA = '';

  it('advertises an API version with tokens but below auto-TLS (1.62 ≤ v < 1.68)', async () => {
    const root = await call('GET', '/');
    expect(root.status).toBe(200);
    expect((root.json.default_version as { version: string }).version).toBe('1.67');
    expect((await call('GET', '/v1')).status).toBe(200);
    expect((await call('GET', '/v1/')).status).toBe(200);
  });

  it('accepts inspection data without a version header and answers with the node uuid', async () => {
    const r = await call('POST', '/v1/continue_inspection', inventory(A.macs));
    expect(r).toMatchObject({ status: 202, json: { uuid: A.uuid } });
    expect(inspections.at(-1)?.host).toBe('host-a');
  });

  it('hands out the token on the first lookup only', async () => {
    const first = await call('GET', `/v1/lookup?addresses=${A.macs.join(',')}`, undefined, v);
    expect(first.status).toBe(200);
    expect((first.json.node as { uuid: string }).uuid).toBe(A.uuid);
    const config = first.json.config as { agent_token: string; heartbeat_timeout: number; agent_token_required: boolean };
    expect(config.heartbeat_timeout).toBe(60);
    expect(config.agent_token_required).toBe(true);
    expect(config.agent_token.length).toBeGreaterThanOrEqual(32); // IPA refuses shorter tokens
    tokenA = config.agent_token;
    const again = await call('GET', `/v1/lookup?addresses=${A.macs[1]}`, undefined, v);
    expect((again.json.config as { agent_token: string }).agent_token).toBe('******');
  });

  it('accepts a heartbeat with the token and records the callback URL', async () => {
    const r = await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'http://127.0.0.1:9999', agent_token: tokenA, agent_version: '12.0.0' }, v);
    expect(r.status).toBe(202);
    expect(heartbeats.at(-1)).toEqual({ host: 'host-a', hb: { callbackUrl: 'http://127.0.0.1:9999', agentVersion: '12.0.0' } });
    // By UUID only: the name is public (Ironic also accepts names; we do not).
    expect((await call('POST', `/v1/heartbeat/${A.name}`, { callback_url: 'http://127.0.0.1:9999', agent_token: tokenA }, v)).status).toBe(404);
  });

  it('rejects a heartbeat with a missing, wrong or other host\'s token, changing nothing', async () => {
    const count = heartbeats.length;
    const missing = await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'http://127.0.0.1:9999' });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.json.error_message as string).faultstring).toBe('Agent token is required for heartbeat processing.');
    expect((await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'http://127.0.0.1:9999', agent_token: 'x'.repeat(43) })).status).toBe(400);
    // Host B has had no lookup: A's token must not work for it, and it must not move.
    const cross = await call('POST', `/v1/heartbeat/${B.uuid}`, { callback_url: 'http://127.0.0.1:9998', agent_token: tokenA });
    expect(cross.status).toBe(400);
    expect(JSON.parse(cross.json.error_message as string).faultstring).toBe('Invalid or missing agent token received.');
    expect(heartbeats.length).toBe(count);
  });

  it('rejects a changed callback URL and a non-http one', async () => {
    const moved = await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'http://127.0.0.1:9990', agent_token: tokenA });
    expect(moved.status).toBe(400);
    expect(JSON.parse(moved.json.error_message as string).faultstring).toBe('Detected change in ramdisk provided callback_url');
    expect((await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'ftp://127.0.0.1', agent_token: tokenA })).status).toBe(400);
  });

  it('refuses a token from an earlier boot once the session ended', async () => {
    api.endAgentSession(A.uuid);
    expect((await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'http://127.0.0.1:9999', agent_token: tokenA })).status).toBe(400);
    const fresh = await call('GET', `/v1/lookup?addresses=${A.macs[0]}`, undefined, v);
    const token = (fresh.json.config as { agent_token: string }).agent_token;
    expect(token).not.toBe(tokenA);
    expect(token).not.toBe('******');
    expect((await call('POST', `/v1/heartbeat/${A.uuid}`, { callback_url: 'http://127.0.0.1:9950', agent_token: token })).status).toBe(202);
  });

  it('answers lookups for unknown hosts and hosts in no agent state the same: 404; bad requests 400', async () => {
    expect((await call('GET', '/v1/lookup?addresses=52:54:00:ff:ff:ff')).status).toBe(404);
    expect((await call('GET', `/v1/lookup?addresses=${C.macs[0]}`)).status).toBe(404);
    expect((await call('GET', '/v1/lookup?addresses=not-a-mac')).status).toBe(400);
    expect((await call('GET', `/v1/lookup?node_uuid=${B.uuid}`)).status).toBe(200);
    expect((await call('POST', '/v1/heartbeat/nope', { callback_url: 'http://x:9999', agent_token: 'y' })).status).toBe(404);
  });

  it('validates inspection data and answers the lookup shape from API 1.84', async () => {
    expect((await call('POST', '/v1/continue_inspection', { inventory: { interfaces: [] } })).status).toBe(400);
    expect((await call('POST', '/v1/continue_inspection', { inventory: { interfaces: [{ name: 'eth0' }] } })).status).toBe(400);
    expect((await call('POST', '/v1/continue_inspection', inventory(['52:54:00:ff:ff:ff']))).status).toBe(404);
    const r = await call('POST', '/v1/continue_inspection', inventory(B.macs), { 'X-OpenStack-Ironic-API-Version': '1.84' });
    expect(r.status).toBe(202);
    expect((r.json.node as { uuid: string }).uuid).toBe(B.uuid);
    expect(typeof (r.json.config as { agent_token: string }).agent_token).toBe('string');
  });

  it('answers malformed bodies with 400, not a crash', async () => {
    expect((await call('POST', `/v1/heartbeat/${A.uuid}`, '{not json')).status).toBe(400);
    expect((await call('GET', '/')).status).toBe(200);
  });
});

describe('Ironic agent API behind a trusted reverse proxy', () => {
  const P: TestHost = { uuid: 'dddddddd-0000-4000-8000-000000000004', name: 'host-p', lookupAllowed: true, macs: ['52:54:00:00:00:0d'] };
  const proxied = new IronicAgentApi({
    backend: { ...backend, findByMacs: async (macs) => (macs.includes(P.macs[0] ?? '') ? P : undefined), findByUuid: async (uuid) => (uuid === P.uuid ? P : undefined) },
    trustedProxies: ['127.0.0.0/8'],
  });
  const viaProxy = useAgentApi(proxied);

  it('takes the agent address from the X-Forwarded-For entry the proxy appended', async () => {
    const token = ((await viaProxy('GET', `/v1/lookup?addresses=${P.macs[0]}`)).json.config as { agent_token: string }).agent_token;
    const hb = (xff?: string) => viaProxy('POST', `/v1/heartbeat/${P.uuid}`, { callback_url: 'http://10.9.9.9:9999', agent_token: token }, xff ? { 'x-forwarded-for': xff } : {});
    expect((await hb()).status).toBe(400);
    expect((await hb('10.9.9.8')).status).toBe(400);
    expect((await hb('10.9.9.9, 10.9.9.8')).status).toBe(400); // a client-supplied entry left of the proxy's is not trusted
    expect((await hb('10.9.9.8, 10.9.9.9')).status).toBe(202);
  });
});
