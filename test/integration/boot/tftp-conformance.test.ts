/**
 * The TFTP server against standard clients (tftp-hpa, atftp) in network namespaces: plain
 * lock-step, option negotiation (blksize, tsize, windowsize), 10 % of the server's packets dropped
 * on the way to the client (nftables `numgen random`: this kernel has no netem), and traversal
 * attempts refused.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBootServicesIn, type BootServicesProcess } from '../../helpers/boot-services-process.js';
import { LabNetwork, type LanMember } from '../../../lab/lab-network.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tftp-conf-'));
const root = join(dir, 'root');
const firmware = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + 7) % 256));
const small = firmware.subarray(0, 70_000);
const lan = new LabNetwork();
let srv: LanMember;
let cli: LanMember;
let lossy: LanMember;
let boot: BootServicesProcess;

beforeAll(async () => {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'snponly.efi'), firmware);
  writeFileSync(join(root, 'undionly.kpxe'), small); // the size of Debian's undionly.kpxe
  writeFileSync(join(dir, 'secret.txt'), 'outside the root');
  srv = lan.member('srv', { host: 1 });
  cli = lan.member('cli', { host: 10 });
  lossy = lan.member('lossy', { host: 11 });
  // Drop one in ten packets the server sends to the lossy client (DATA and OACK; not the first answer's port).
  const nft = (...a: string[]): Promise<unknown> => run('ip', ['netns', 'exec', lossy.ns, 'nft', ...a]);
  await nft('add', 'table', 'inet', 'loss');
  await nft('add', 'chain', 'inet', 'loss', 'in', '{ type filter hook input priority 0; }');
  await nft('add', 'rule', 'inet', 'loss', 'in', 'ip', 'saddr', srv.ip ?? '', 'udp', 'sport', '!=', '69', 'numgen', 'random', 'mod', '10', '0', 'drop');
  boot = await startBootServicesIn(srv.exec, { METALFLOW_BOOT_IP: srv.ip ?? '', METALFLOW_TFTP: 'true', METALFLOW_TFTP_ROOT: root, METALFLOW_HTTP: 'false', METALFLOW_DATA_DIR: dir });
}, 120_000);

afterAll(async () => {
  await boot?.stop();
  lan.remove();
  removeTempDir(dir);
});

const inNs = (m: LanMember, args: string[], timeout = 60_000): Promise<{ stdout: string; stderr: string }> => run(m.exec[0] ?? 'ip', [...m.exec.slice(1), ...args], { timeout });

describe('TFTP server conformance with standard clients', () => {
  it('tftp-hpa: binary get, lock-step 512-byte blocks', async () => {
    const out = join(dir, 'hpa.bin');
    await inNs(cli, ['tftp', '-m', 'binary', srv.ip ?? '', '-c', 'get', 'snponly.efi', out]);
    expect(readFileSync(out).equals(firmware)).toBe(true);
  });

  it('atftp: blksize, tsize and windowsize negotiated', async () => {
    const out = join(dir, 'atftp.bin');
    const r = await inNs(cli, ['atftp', '--trace', '--option', 'blksize 1428', '--option', 'tsize 0', '--option', 'windowsize 4', '-g', '-r', 'snponly.efi', '-l', out, srv.ip ?? '']);
    expect(readFileSync(out).equals(firmware)).toBe(true);
    const trace = r.stdout + r.stderr;
    expect(trace).toMatch(/OACK.*blksize: 1428/i);
    expect(trace).toMatch(new RegExp(`tsize: ${firmware.length}`));
    expect(trace).toMatch(/windowsize: 4/i);
  });

  it('completes despite 10 % packet loss (tftp-hpa lock-step, atftp windowed)', async () => {
    const a = join(dir, 'lossy-hpa.bin');
    await inNs(lossy, ['tftp', '-m', 'binary', srv.ip ?? '', '-c', 'get', 'undionly.kpxe', a], 180_000);
    expect(readFileSync(a).equals(small)).toBe(true);
    const b = join(dir, 'lossy-atftp.bin');
    await inNs(lossy, ['atftp', '--option', 'blksize 1024', '--option', 'windowsize 8', '-g', '-r', 'snponly.efi', '-l', b, srv.ip ?? ''], 180_000);
    expect(readFileSync(b).equals(firmware)).toBe(true);
    expect(boot.lines.some((l) => /tftp: sending undionly\.kpxe/.test(l))).toBe(true);
    const { stdout } = await run('ip', ['netns', 'exec', lossy.ns, 'nft', 'list', 'ruleset']);
    expect(stdout).toMatch(/drop/); // the loss rule was in place
  }, 400_000);

  it.each(['../secret.txt', 'a/../../secret.txt', '/etc/passwd', '/../secret.txt'])('refuses %s', async (name) => {
    const out = join(dir, `refused-${Math.random()}`);
    const r = await inNs(cli, ['tftp', '-m', 'binary', srv.ip ?? '', '-c', 'get', name, out]).catch((e: { stdout?: string; stderr?: string }) => e);
    expect(`${r.stdout ?? ''}${r.stderr ?? ''}`).toMatch(/Error code [12]: (Access violation|File not found)/);
    await boot.waitFor(/tftp: .* asked for .*: (Access violation|File not found)/);
  });
});
