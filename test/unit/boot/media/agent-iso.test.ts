import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_TOOL_ERROR_CHARS, agentGrubCfg, buildAgentIso } from '../../../../src/boot/media/agent-iso.js';
import { AGENT_CA_FILE, IPA_CA_CONF_FILE, MAX_CA_PEM_BYTES, agentOverlay } from '../../../../src/boot/media/overlay.js';
import { AgentMediaBuildError, NetworkDataError } from '../../../../src/errors.js';
import { testCaPem } from './test-ca.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-iso-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nmstate = 'interfaces: [{name: eth0, type: ethernet, mac-address: "52:54:00:12:34:56", ipv4: {enabled: true, address: [{ip: 10.9.0.5, prefix-length: 24}]}}]\n';

function extract(archive: Buffer): string {
  const out = mkdtempSync(join(dir, 'x-'));
  execFileSync('cpio', ['-i', '-d', '--quiet', '--no-absolute-filenames'], { input: archive, cwd: out });
  return out;
}

describe('agent overlay', () => {
  it('holds the networkd files and, given a CA, the PEM and the IPA option that trusts it', () => {
    const ca = testCaPem();
    const out = extract(agentOverlay({ networkData: nmstate, caPem: ca }));
    expect(readFileSync(join(out, 'etc/systemd/network/10-metalflow-0-eth0.network'), 'utf8')).toContain('Address=10.9.0.5/24');
    expect(readFileSync(join(out, AGENT_CA_FILE.slice(1)), 'utf8')).toBe(ca);
    // oslo.config in the stock agent (prog ironic-python-agent, no project) reads /etc/ironic-python-agent.conf.d/*.conf.
    expect(IPA_CA_CONF_FILE).toBe('/etc/ironic-python-agent.conf.d/10-metalflow-ca.conf');
    expect(readFileSync(join(out, IPA_CA_CONF_FILE.slice(1)), 'utf8')).toBe(`[DEFAULT]\ncafile = ${AGENT_CA_FILE}\n`);
  });

  it('passes network data errors on and refuses a CA that is not a PEM certificate or too large', () => {
    expect(() => agentOverlay({ networkData: 'interfaces: [{name: b, type: bond}]' })).toThrow(NetworkDataError);
    expect(() => agentOverlay({ caPem: 'not a certificate' })).toThrow(AgentMediaBuildError);
    expect(() => agentOverlay({ caPem: `${testCaPem()}\n${'#'.repeat(MAX_CA_PEM_BYTES)}` })).toThrow(/bytes/);
  });
});

describe('agent grub.cfg', () => {
  it('boots the kernel with the parameters, the stock initramfs then the overlay, on the serial console', () => {
    const cfg = agentGrubCfg(['ipa-api-url=http://10.9.0.1:6385', 'BOOTIF=52:54:00:12:34:56', 'console=ttyS0,115200']);
    expect(cfg).toContain('serial --unit=0 --speed=115200');
    expect(cfg).toContain('terminal_output serial console');
    expect(cfg).toContain('linux /agent/vmlinuz ipa-api-url=http://10.9.0.1:6385 BOOTIF=52:54:00:12:34:56 console=ttyS0,115200\n');
    expect(cfg).toContain('initrd /agent/initramfs /agent/metalflow.cpio\n');
  });

  it('refuses parameters GRUB would interpret', () => {
    for (const p of ['a=$x', 'a;reboot', 'a\nmenuentry', 'a"b', 'a{b', "a'b", 'a\\b']) expect(() => agentGrubCfg([p]), p).toThrow(AgentMediaBuildError);
  });
});

describe('agent ISO', () => {
  it('is bootable by BIOS and UEFI and holds the kernel, initramfs, overlay and grub.cfg', async () => {
    const kernel = join(dir, 'vmlinuz-test');
    const initramfs = join(dir, 'initramfs-test');
    writeFileSync(kernel, 'KERNEL');
    writeFileSync(initramfs, 'INITRAMFS');
    const overlay = agentOverlay({ networkData: nmstate });
    const grubCfg = agentGrubCfg(['ipa-api-url=http://10.9.0.1:6385']);
    const iso = join(dir, 'agent.iso');
    await buildAgentIso({ kernel, initramfs, overlay, grubCfg }, iso, join(dir, 'work'));
    const report = execFileSync('xorriso', ['-indev', iso, '-report_el_torito', 'plain'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    expect(report).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y/);
    expect(report).toMatch(/El Torito boot img :\s+2\s+UEFI\s+y/);
    const out = join(dir, 'iso-out');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/agent', join(out, 'agent'), '-extract', '/boot/grub/grub.cfg', join(out, 'grub.cfg')], { stdio: 'ignore' });
    expect(readFileSync(join(out, 'agent/vmlinuz'), 'utf8')).toBe('KERNEL');
    expect(readFileSync(join(out, 'agent/initramfs'), 'utf8')).toBe('INITRAMFS');
    expect(readFileSync(join(out, 'agent/metalflow.cpio')).equals(overlay)).toBe(true);
    expect(readFileSync(join(out, 'grub.cfg'), 'utf8')).toBe(grubCfg);
  });

  it(`fails with the tool's stderr, clipped to ${MAX_TOOL_ERROR_CHARS} characters`, async () => {
    const kernel = join(dir, 'vmlinuz-test');
    const err = await buildAgentIso({ kernel, initramfs: kernel, overlay: Buffer.alloc(0), grubCfg: '' }, join(dir, 'no-such-dir', 'x'.repeat(600), 'x.iso'), join(dir, 'work3')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentMediaBuildError);
    expect((err as Error).message).toMatch(/^grub-mkrescue failed: /);
    expect((err as Error).message.length).toBeLessThanOrEqual('grub-mkrescue failed: '.length + MAX_TOOL_ERROR_CHARS + 1);
  });

  it('fails when the kernel is missing', async () => {
    await expect(buildAgentIso({ kernel: join(dir, 'missing'), initramfs: join(dir, 'missing'), overlay: Buffer.alloc(0), grubCfg: '' }, join(dir, 'x.iso'), join(dir, 'work2'))).rejects.toThrow(AgentMediaBuildError);
  });
});
