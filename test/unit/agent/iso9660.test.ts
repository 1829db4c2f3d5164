/** The in-memory ISO 9660 writer, read back by isoinfo in each of its views: Rock Ridge, Joliet, plain. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_ISO_NAME_LENGTH, buildIso } from '../../../src/agent/iso9660.js';

const dir = mkdtempSync(join(tmpdir(), 'iso9660-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isoinfo = (iso: string, args: string[]): string => execFileSync('isoinfo', ['-i', iso, ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });

function write(files: Array<{ path: string; data: Buffer }>): string {
  const iso = join(dir, `${Math.random().toString(36).slice(2)}.iso`);
  writeFileSync(iso, buildIso(files, { volumeId: 'config-2', publisher: 'metalflow', date: new Date('2026-01-02T03:04:05Z') }));
  return iso;
}

describe('ISO 9660 writer', () => {
  it('has the label, Joliet and Rock Ridge, and the same files in all three trees', () => {
    const big = Buffer.alloc(5000, 'x'); // spans three sectors
    const iso = write([
      { path: 'openstack/latest/meta_data.json', data: Buffer.from('{"a":1}') },
      { path: 'openstack/latest/user_data', data: big },
      { path: 'openstack/2012-08-10/empty', data: Buffer.alloc(0) },
    ]);
    const d = isoinfo(iso, ['-d']);
    expect(d).toMatch(/Volume id:\s*config-2/);
    expect(d).toContain('Joliet with UCS level 3 found');
    expect(d).toContain('Rock Ridge signatures version 1 found');
    expect(isoinfo(iso, ['-R', '-f']).trim().split('\n').sort()).toEqual(
      ['/openstack', '/openstack/2012-08-10', '/openstack/2012-08-10/empty', '/openstack/latest', '/openstack/latest/meta_data.json', '/openstack/latest/user_data'].sort(),
    );
    expect(isoinfo(iso, ['-J', '-f'])).toContain('/openstack/2012-08-10/empty;1');
    expect(isoinfo(iso, ['-f'])).toContain('/openstack/2012_08_10/empty.;1'); // genisoimage -l -allow-lowercase names
    expect(isoinfo(iso, ['-R', '-x', '/openstack/latest/user_data'])).toBe(big.toString());
    expect(isoinfo(iso, ['-J', '-x', '/openstack/latest/meta_data.json;1'])).toBe('{"a":1}');
    expect(isoinfo(iso, ['-x', '/openstack/latest/meta_data.json;1'])).toBe('{"a":1}');
    expect(isoinfo(iso, ['-R', '-x', '/openstack/2012-08-10/empty'])).toBe('');
    // -r: readable by everyone, owned by root; a directory's link count counts its subdirectories.
    const listing = isoinfo(iso, ['-R', '-l']);
    expect(listing).toMatch(/dr-xr-xr-x\s+4\s+0\s+0\s+2048 .* openstack/);
    expect(listing).toMatch(/-r--r--r--\s+1\s+0\s+0\s+5000 .* user_data/);
  });

  it('spreads a directory over several sectors without splitting a record', () => {
    const files = Array.from({ length: 60 }, (_, i) => ({ path: `d/file-with-a-long-name-${String(i).padStart(3, '0')}`, data: Buffer.from(`content ${i}`) }));
    const iso = write(files);
    expect(isoinfo(iso, ['-R', '-f']).trim().split('\n')).toHaveLength(61);
    expect(isoinfo(iso, ['-R', '-x', '/d/file-with-a-long-name-059'])).toBe('content 59');
    expect(isoinfo(iso, ['-J', '-x', '/d/file-with-a-long-name-030;1'])).toBe('content 30');
  });

  it(`refuses names over ${MAX_ISO_NAME_LENGTH} characters (genisoimage -l's limit)`, () => {
    expect(() => buildIso([{ path: `${'n'.repeat(MAX_ISO_NAME_LENGTH + 1)}`, data: Buffer.alloc(1) }], { volumeId: 'x' })).toThrow(/too long/);
    expect(() => buildIso([{ path: `${'n'.repeat(MAX_ISO_NAME_LENGTH - 2)}`, data: Buffer.alloc(1) }], { volumeId: 'x' })).not.toThrow();
  });
});
