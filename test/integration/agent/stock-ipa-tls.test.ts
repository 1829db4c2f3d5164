/**
 * The stock Ironic Python Agent (13.0.0, unchanged) against our agent API over HTTPS, in a network
 * namespace this test creates: without the boot worker's CA it refuses the API (its lookup fails
 * with a certificate error and nothing reaches the session: no lookup answered, no heartbeat);
 * given the CA (IPA's `cafile`) it inspects, looks up and heartbeats as over plain HTTP.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHeartbeatArg, AgentInspectionArg } from '../../../src/contract/index.js';
import { IronicAgentApi } from '../../../src/agent/ironic-api.js';
import { portOf } from '../../../src/agent/http-server.js';
import { AgentSessions } from '../../../src/boot/agent-sessions.js';
import { loadTlsMaterial, type TlsMaterial } from '../../../src/tls/material.js';
import { createTestNetns, type TestNetns } from '../../helpers/netns.js';
import { IPA_PORT, startStockIpa, type StockIpa } from '../../helpers/stock-ipa.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const MAC = '52:54:00:1b:a0:02';
const dir = mkdtempSync(join(tmpdir(), 'metalflow-stock-ipa-tls-'));
let netns: TestNetns;
let tls: TlsMaterial;
const agents: StockIpa[] = [];
let server: Server | undefined;

beforeAll(async () => {
  netns = createTestNetns({ nsMac: MAC });
  // As the boot worker makes it: generated once, for the address agents reach the API at.
  tls = await loadTlsMaterial({ dir: join(dir, 'tls'), subjectAltNames: [netns.hostIp] });
  writeFileSync(join(dir, 'ca.crt'), tls.caPem);
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  if (server) await new Promise((r) => server?.close(r));
  server = undefined;
});
afterAll(() => {
  netns?.remove();
  removeTempDir(dir);
});

async function until<T>(what: string, get: () => T | undefined, timeoutMs: number, logFile: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (agent log: ${logFile})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function httpsApi(): Promise<{ sessions: AgentSessions; api: IronicAgentApi; url: string; heartbeats: AgentHeartbeatArg[]; inspections: AgentInspectionArg[]; logs: string[] }> {
  const heartbeats: AgentHeartbeatArg[] = [];
  const inspections: AgentInspectionArg[] = [];
  const logs: string[] = [];
  const sessions = new AgentSessions({ heartbeat: async (_, a) => void heartbeats.push(a), inspection: async (_, a) => void inspections.push(a) });
  const api = new IronicAgentApi({ backend: sessions });
  server = await api.listen(0, netns.hostIp, { tls: { cert: tls.certPem, key: tls.keyPem }, log: (level, m) => void logs.push(`${level} ${m}`) });
  return { sessions, api, url: `https://${netns.hostIp}:${portOf(server)}`, heartbeats, inspections, logs };
}

describe('stock ironic-python-agent against the agent API over HTTPS', () => {
  it('refuses an API whose certificate it does not trust: lookup fails with a certificate error, nothing reaches the session', async () => {
    const { sessions, url, heartbeats, inspections, logs } = await httpsApi();
    const uuid = '1ba0a9e1-0000-4000-8000-000000000002';
    sessions.open({ workflowId: 'wf', uuid, name: 'tls-0', macs: [MAC], session: 's1', inspect: false });
    const ipa = startStockIpa({ netns, apiUrl: url, dir: join(dir, 'untrusted'), inspect: false });
    agents.push(ipa);
    const refused = await until('a refused lookup in the agent log', () => /Error detected while attempting to perform lookup[^\n]*CERTIFICATE_VERIFY_FAILED/.exec(readFileSync(ipa.logFile, 'utf8'))?.[0], 120_000, ipa.logFile);
    console.log(`stock IPA without the CA: ${refused.slice(0, 300)}`);
    // Our side saw only failed handshakes; the token was never handed out, no heartbeat came.
    expect(logs.some((l) => l.startsWith('debug https: TLS handshake failed'))).toBe(true);
    expect(logs.filter((l) => !l.startsWith('debug https: TLS handshake failed'))).toEqual([]);
    expect(heartbeats).toEqual([]);
    expect(inspections).toEqual([]);
    const trusting = new Agent({ connect: { ca: tls.caPem } });
    const lookup = await request(`${url}/v1/lookup?addresses=${MAC}`, { dispatcher: trusting });
    expect(((await lookup.body.json()) as { config: { agent_token: string } }).config.agent_token).not.toBe('******');
    await trusting.close();
  });

  it('given the CA (cafile), inspects, looks up and heartbeats over HTTPS', async () => {
    const { sessions, url, heartbeats, inspections } = await httpsApi();
    const uuid = '1ba0a9e1-0000-4000-8000-000000000003';
    sessions.open({ workflowId: 'wf', uuid, name: 'tls-1', macs: [MAC], session: 's2', inspect: true });
    const ipa = startStockIpa({ netns, apiUrl: url, dir: join(dir, 'trusted'), cafile: join(dir, 'ca.crt') });
    agents.push(ipa);
    const inspection = await until('inspection data', () => inspections[0], 120_000, ipa.logFile);
    expect(inspection.hardware.nics?.map((n) => n.mac)).toContain(MAC);
    const callbackUrl = await until('a heartbeat', () => sessions.get(uuid)?.callbackUrl, 120_000, ipa.logFile);
    // API 1.67 < 1.68: IPA's own API (its callback) stays plain HTTP, as with Ironic without auto-TLS.
    expect(callbackUrl).toBe(`http://${netns.nsIp}:${IPA_PORT}`);
    // An inspection session's heartbeat is not signalled: its workflow waits for the inspection data only.
    expect(heartbeats).toEqual([]);
  });
});
