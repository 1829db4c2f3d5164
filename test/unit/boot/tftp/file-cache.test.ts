import { mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileCache, type CachedFile } from '../../../../src/boot/tftp/file-cache.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'tftp-cache-'));
afterAll(() => removeTempDir(dir));
const file = (name: string, bytes: number, fill = 1): string => {
  const p = join(dir, name);
  writeFileSync(p, Buffer.alloc(bytes, fill));
  return p;
};
const held = (r: Awaited<ReturnType<FileCache['acquire']>>): CachedFile => {
  if ('refused' in r) throw new Error(`refused: ${r.refused}`);
  return r;
};

describe('TFTP file cache', () => {
  it('shares one read of a file between concurrent transfers', async () => {
    const cache = new FileCache(1000, 1000);
    const p = file('a.bin', 400);
    const all = (await Promise.all(Array.from({ length: 50 }, () => cache.acquire(p)))).map(held);
    expect(new Set(all.map((f) => f.data)).size).toBe(1);
    expect(cache.size()).toBe(400);
    for (const f of all) f.release();
  });

  it('holds at most its byte budget: unused files are evicted, files in use are not, and over budget is busy', async () => {
    const cache = new FileCache(1000, 1000);
    const a = held(await cache.acquire(file('b1.bin', 600)));
    expect(await cache.acquire(file('b2.bin', 600))).toEqual({ refused: 'busy' }); // b1 is in use
    a.release();
    const b = held(await cache.acquire(join(dir, 'b2.bin'))); // b1 evicted
    expect(b.data.length).toBe(600);
    expect(cache.size()).toBe(600);
    b.release();
  });

  it('refuses a file over the file cap, a directory, a missing file and a symlink swapped in', async () => {
    const cache = new FileCache(10_000, 500);
    expect(await cache.acquire(file('big.bin', 501))).toEqual({ refused: 'too large' });
    expect(await cache.acquire(dir)).toEqual({ refused: 'missing' });
    expect(await cache.acquire(join(dir, 'nope'))).toEqual({ refused: 'missing' });
    symlinkSync(file('target.bin', 10), join(dir, 'link'));
    expect(await cache.acquire(join(dir, 'link'))).toEqual({ refused: 'missing' });
  });

  it('reads a replaced file afresh while transfers of the old version keep theirs', async () => {
    const cache = new FileCache(10_000, 10_000);
    const p = file('c.bin', 100, 1);
    const old = held(await cache.acquire(p));
    writeFileSync(join(dir, 'c.new'), Buffer.alloc(120, 2));
    renameSync(join(dir, 'c.new'), p);
    const fresh = held(await cache.acquire(p));
    expect([old.data.length, old.data[0]]).toEqual([100, 1]);
    expect([fresh.data.length, fresh.data[0]]).toEqual([120, 2]);
    old.release();
    fresh.release();
  });
});
