/**
 * The boot services as a process (test/helpers/boot-services-main.ts, the boot worker's listeners
 * without Temporal) in their own network namespace, attacked from this machine over the lab
 * segment: requests that used to end the whole process (`GET /%` on the HTTP boot server,
 * `GET //[` on the agent API) are answered 400 and the process keeps serving. Each listener
 * binds the provisioning address, not the wildcard.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabNetwork, type LanMember } from '../../../lab/lab-network.js';
import { startBootServicesIn, type BootServicesProcess } from '../../helpers/boot-services-process.js';
import { get, rawRequest } from '../../helpers/raw-http.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'boot-attack-'));
const lan = new LabNetwork();
let srv: LanMember;
let ip = '';
let boot: BootServicesProcess;

beforeAll(async () => {
  srv = lan.member('srv', { host: 1 });
  ip = srv.ip ?? '';
  lan.hostLink(2);
  boot = await startBootServicesIn(srv.exec, {
    METALFLOW_BOOT_IP: ip,
    METALFLOW_HTTP: 'true',
    METALFLOW_TFTP: 'false',
    METALFLOW_AGENT_API_PORT: '6385',
    METALFLOW_DATA_DIR: dir,
  });
}, 120_000);

afterAll(async () => {
  await boot?.stop();
  lan.remove();
  removeTempDir(dir);
});

const alive = (): boolean => boot.proc.exitCode === null && boot.proc.signalCode === null;

describe('boot services process under malformed requests', () => {
  it.each([
    ['HTTP boot server', '/%', 80, '/boot.ipxe'],
    ['agent API', '//[', 6385, '/v1'],
  ] as const)('%s: answers GET %s with 400 and keeps running', async (_name, attack, port, normal) => {
    const a = await rawRequest(port, get(attack), 5000, ip);
    await new Promise((r) => setTimeout(r, 300)); // time for a crash to show
    expect(alive()).toBe(true);
    expect(a.status).toBe(400);
    expect((await rawRequest(port, get(normal), 5000, ip)).status).toBe(200);
  });

  it('binds the provisioning address, not the wildcard', () => {
    const out = execFileSync('ip', ['netns', 'exec', srv.ns, 'ss', '-ltnH'], { encoding: 'utf8' });
    const local = out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/)[3] ?? '');
    expect(local).toContain(`${ip}:80`);
    expect(local).toContain(`${ip}:6385`);
    expect(local.filter((a) => /^(0\.0\.0\.0|\*|\[::\]):/.test(a))).toEqual([]);
  });
});
