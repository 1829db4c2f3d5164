import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { AgentIsoInput } from '../../../../src/boot/media/agent-iso.js';
import { AgentIsoCache, MAX_CONCURRENT_ISO_BUILDS } from '../../../../src/boot/media/iso-cache.js';
import { AgentMediaBuildError } from '../../../../src/errors.js';

const root = mkdtempSync(join(tmpdir(), 'iso-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const kernel = join(root, 'kernel');
writeFileSync(kernel, 'K');

const input = (overlay: string): AgentIsoInput => ({ kernel, initramfs: kernel, overlay: Buffer.from(overlay), grubCfg: 'cfg' });

/** A stand-in for grub-mkrescue that records builds and can be held open. */
function fakeBuilder() {
  const calls: string[] = [];
  let running = 0;
  let peak = 0;
  const gates: (() => void)[] = [];
  let hold = true;
  const build = async (i: AgentIsoInput, out: string): Promise<void> => {
    calls.push(i.overlay.toString());
    running++;
    peak = Math.max(peak, running);
    if (hold) await new Promise<void>((r) => gates.push(r));
    running--;
    if (i.overlay.toString() === 'fail') throw new AgentMediaBuildError('grub-mkrescue failed: boom');
    await writeFile(out, `ISO ${i.overlay.toString()}`);
  };
  /** Lets every held build finish, and later ones run straight through. */
  const openAll = async (): Promise<void> => {
    hold = false;
    gates.splice(0).forEach((g) => g());
  };
  return { build, calls, openAll, peak: () => peak, waiting: () => gates.length };
}

/** A started cache in its own directory under the test root, with a fake builder. */
async function cacheIn(name: string) {
  const f = fakeBuilder();
  const cache = new AgentIsoCache(join(root, name), f.build);
  await cache.init();
  return { f, cache };
}

describe('agent ISO cache', () => {
  it('removes leftovers at start and keeps its directory and files private', async () => {
    const dir = join(root, 'a');
    mkdirSync(dir);
    writeFileSync(join(dir, 'old.iso'), 'secret network data');
    const f = fakeBuilder();
    const cache = new AgentIsoCache(dir, f.build);
    await cache.init();
    expect(readdirSync(dir)).toEqual([]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const p = cache.acquire(input('x'));
    await f.openAll();
    const lease = await p;
    expect(statSync(lease.path).mode & 0o777).toBe(0o600);
    await lease.release();
  });

  it('builds once per content, shares it, and deletes it when the last user releases it', async () => {
    const { f, cache } = await cacheIn('b');
    const a = cache.acquire(input('host-1'));
    const b = cache.acquire(input('host-1'));
    const c = cache.acquire(input('host-2'));
    await f.openAll();
    const [la, lb, lc] = await Promise.all([a, b, c]);
    expect(f.calls.sort()).toEqual(['host-1', 'host-2']);
    expect(la.path).toBe(lb.path);
    expect(lc.path).not.toBe(la.path);
    await la.release();
    await la.release(); // twice is once
    expect(statSync(lb.path).isFile()).toBe(true);
    await lb.release();
    await lc.release();
    expect(readdirSync(join(root, 'b'))).toEqual([]);
  });

  it(`runs at most ${MAX_CONCURRENT_ISO_BUILDS} builds at once`, async () => {
    const { f, cache } = await cacheIn('c');
    const all = Array.from({ length: MAX_CONCURRENT_ISO_BUILDS + 2 }, (_, i) => cache.acquire(input(`h${i}`)));
    await vi.waitFor(() => expect(f.waiting()).toBe(MAX_CONCURRENT_ISO_BUILDS));
    await new Promise((r) => setImmediate(r));
    expect(f.calls).toHaveLength(MAX_CONCURRENT_ISO_BUILDS);
    await f.openAll();
    for (const l of await Promise.all(all)) await l.release();
    expect(f.peak()).toBe(MAX_CONCURRENT_ISO_BUILDS);
  });

  it('passes a failed build on to every waiter and builds again next time', async () => {
    const { f, cache } = await cacheIn('d');
    const a = cache.acquire(input('fail'));
    const b = cache.acquire(input('fail'));
    await f.openAll();
    await expect(a).rejects.toThrow(AgentMediaBuildError);
    await expect(b).rejects.toThrow(AgentMediaBuildError);
    const c = cache.acquire(input('fail'));
    await expect(c).rejects.toThrow(AgentMediaBuildError);
    expect(f.calls).toEqual(['fail', 'fail']);
    expect(readdirSync(join(root, 'd'))).toEqual([]);
  });
});
