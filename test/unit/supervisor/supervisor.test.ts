/**
 * The supervisor as `npm start` runs it (a real process): a child killed with SIGKILL comes back
 * with a new pid and the restart is reported on the terminal and in the log; SIGTERM to the
 * supervisor stops the child and ends it without a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-supervisor-'));
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) p.kill('SIGKILL');
  removeTempDir(dir);
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('supervisor', () => {
  it('restarts a child killed with SIGKILL, reports it, and stops it for good on SIGTERM', async () => {
    const log = join(dir, 'child.log');
    const child = 'console.error("child up " + process.pid); setInterval(() => {}, 1000); process.on("SIGTERM", () => { console.error("child stopping"); process.exit(0); });';
    const sup = spawn(process.execPath, ['--import', 'tsx', 'src/supervisor/main.ts', '--name', 'test child', '--log', log, '--', process.execPath, '-e', child], { stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(sup);
    let terminal = '';
    sup.stderr?.on('data', (c: Buffer) => void (terminal += c.toString()));
    const pids = (): number[] => [...readFileSync(log, 'utf8').matchAll(/child up (\d+)/g)].map((m) => Number(m[1]));
    await expect.poll(() => pids().length, { timeout: 20_000, interval: 100 }).toBe(1);
    const first = pids()[0] ?? 0;

    process.kill(first, 'SIGKILL');
    await expect.poll(() => pids().length, { timeout: 20_000, interval: 100 }).toBe(2);
    const second = pids()[1] ?? 0;
    expect(second).not.toBe(first);
    expect(alive(second)).toBe(true);
    expect(terminal).toMatch(/test child \(pid \d+\) exited on SIGKILL/);
    expect(terminal).toMatch(/test child: restarting in \d+\.\d s/);
    expect(terminal).toMatch(/test child restarted \(pid \d+, restart 1 in a row\)/);
    expect(readFileSync(log, 'utf8')).toMatch(/supervisor: test child restarted/);

    const code = new Promise<number | null>((r) => sup.once('exit', (c) => r(c)));
    sup.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(alive(second)).toBe(false);
    expect(readFileSync(log, 'utf8')).toContain('child stopping');
    expect(pids()).toHaveLength(2); // no restart after the stop
  }, 60_000);
});
