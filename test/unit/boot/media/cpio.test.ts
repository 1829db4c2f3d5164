import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CpioError, MAX_CPIO_BYTES, MAX_CPIO_ENTRIES, MAX_CPIO_PATH_CHARS, newcCpio } from '../../../../src/boot/media/cpio.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('newc cpio writer', () => {
  it('writes files and directories that cpio lists and extracts with their modes, parents first', () => {
    const archive = newcCpio([
      { path: 'etc/systemd/network/10-metalflow-0-eth0.network', mode: 0o644, data: Buffer.from('[Match]\nMACAddress=52:54:00:12:34:56\n') },
      { path: 'etc/metalflow', mode: 0o700, dir: true },
      { path: 'etc/metalflow/ca.pem', mode: 0o600, data: Buffer.from('x'.repeat(5)) },
    ]);
    const list = execFileSync('cpio', ['-t', '--quiet'], { input: archive }).toString().trim().split('\n');
    expect(list).toEqual(['etc', 'etc/systemd', 'etc/systemd/network', 'etc/systemd/network/10-metalflow-0-eth0.network', 'etc/metalflow', 'etc/metalflow/ca.pem']);
    const dir = mkdtempSync(join(tmpdir(), 'cpio-'));
    dirs.push(dir);
    execFileSync('cpio', ['-i', '-d', '--quiet', '--no-absolute-filenames'], { input: archive, cwd: dir });
    expect(readFileSync(join(dir, 'etc/systemd/network/10-metalflow-0-eth0.network'), 'utf8')).toContain('MACAddress=52:54:00:12:34:56');
    expect(statSync(join(dir, 'etc/metalflow/ca.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'etc/metalflow')).mode & 0o777).toBe(0o700);
    expect(archive.length % 4).toBe(0);
  });

  it('refuses absolute, parent-escaping, empty and duplicate paths', () => {
    for (const path of ['/etc/x', 'etc/../x', '', 'etc//x', 'etc/x\n']) expect(() => newcCpio([{ path, mode: 0o644, data: Buffer.alloc(0) }]), path).toThrow(CpioError);
    expect(() => newcCpio([{ path: 'a', mode: 0o644, data: Buffer.alloc(0) }, { path: 'a', mode: 0o644, data: Buffer.alloc(0) }])).toThrow(/twice/);
  });

  it(`stops at ${MAX_CPIO_ENTRIES} entries, ${MAX_CPIO_BYTES} bytes and paths of ${MAX_CPIO_PATH_CHARS} characters`, () => {
    const many = Array.from({ length: MAX_CPIO_ENTRIES + 1 }, (_, i) => ({ path: `f${i}`, mode: 0o644, data: Buffer.alloc(0) }));
    expect(() => newcCpio(many)).toThrow(/entries/);
    expect(() => newcCpio([{ path: 'big', mode: 0o644, data: Buffer.alloc(MAX_CPIO_BYTES + 1) }])).toThrow(/bytes/);
    expect(newcCpio([{ path: 'p'.repeat(MAX_CPIO_PATH_CHARS), mode: 0o644, data: Buffer.alloc(0) }]).length).toBeGreaterThan(0);
    expect(() => newcCpio([{ path: 'p'.repeat(MAX_CPIO_PATH_CHARS + 1), mode: 0o644, data: Buffer.alloc(0) }])).toThrow(/bad path/);
  });
});
