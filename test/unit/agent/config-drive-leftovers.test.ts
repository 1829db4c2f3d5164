/**
 * A worker killed while building a config drive leaves no plain userData behind: the files live in a
 * private 0700 directory on a memory file system, and the next worker start sweeps what a dead
 * process left.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configDriveTempRoot, sweepConfigDriveLeftovers } from '../../../src/agent/config-drive.js';

const USER_DATA = 'VeryPrivateUserDataOnDisk';
const root = mkdtempSync(join(tmpdir(), 'cd-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir` whose content holds `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) found.push(...filesHolding(p, needle));
    else if (e.isFile() && readFileSync(p, 'utf8').includes(needle)) found.push(p);
  }
  return found;
}

describe('config drive temp files', () => {
  it('a worker killed mid-build leaves only a private directory, which the next start sweeps', async () => {
    const temp = join(root, 'temp');
    mkdirSync(temp);
    // genisoimage stand-in that kills its parent (the worker) while the plain files exist.
    const killer = join(root, 'genisoimage');
    writeFileSync(killer, '#!/bin/sh\nkill -9 $PPID\nsleep 5\n');
    chmodSync(killer, 0o755);
    const script = `const { buildConfigDrive } = await import(${JSON.stringify(resolve('src/agent/config-drive.ts'))});
await buildConfigDrive({ metaData: { uuid: 'u' }, userData: ${JSON.stringify(USER_DATA)} }, { genisoimage: ${JSON.stringify(killer)}, tempRoot: ${JSON.stringify(temp)} });`;
    const signal = await new Promise<string | null>((done) => {
      // TMPDIR too: where a build without a memory file system would put its files.
      const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: temp } });
      child.on('exit', (_code, sig) => done(sig));
    });
    expect(signal).toBe('SIGKILL');
    const left = readdirSync(temp).filter((f) => f.includes('configdrive')); // (tsx keeps its cache in TMPDIR too)
    expect(left.length).toBe(1);
    expect(statSync(join(temp, left[0] ?? '')).mode & 0o777).toBe(0o700);

    const removed = await sweepConfigDriveLeftovers(temp);
    expect(removed.length).toBe(1);
    expect(filesHolding(temp, USER_DATA)).toEqual([]);
    expect(readdirSync(temp).filter((f) => f.includes('configdrive'))).toEqual([]);
  }, 30_000);

  it("the sweep leaves a live process's build alone", async () => {
    const temp = join(root, 'live');
    const mine = join(temp, `metalflow-configdrive-${process.pid}-abc`);
    mkdirSync(mine, { recursive: true });
    expect(await sweepConfigDriveLeftovers(temp)).toEqual([]);
    expect(existsSync(mine)).toBe(true);
  });

  it('builds on a memory file system by default where there is one', () => {
    if (existsSync('/dev/shm')) expect(configDriveTempRoot()).toBe('/dev/shm');
    else expect(configDriveTempRoot()).toBe(tmpdir());
  });
});
