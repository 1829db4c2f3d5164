/**
 * The supervisor as `npm start` runs it (a real process): a child killed with SIGKILL comes back
 * with a new pid and the restart is reported on the terminal and in the log; SIGTERM to the
 * supervisor stops the child and ends it without a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Supervisor, type SupervisorEvent } from '../../../src/supervisor/supervisor.js';
import { killAll, supervisedPids } from '../../helpers/supervised-pids.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-supervisor-'));
const procs: ChildProcess[] = [];
/** Logs whose supervised children (the supervisor's "started (pid N)" lines) cleanup kills too. */
const logs: string[] = [];
afterAll(() => {
  for (const p of procs) p.kill('SIGKILL');
  // A failed run must not orphan a child: every pid a supervisor reported starting.
  for (const log of logs) killAll(supervisedPids(log));
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
    logs.push(log);
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

  describe('restart path', () => {
    afterEach(() => void vi.useRealTimers());

    it('never throws when the restart cannot start the child (log directory gone): reports it and retries with backoff', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // the restart timers; the child is real
      const logDir = join(dir, 'gone');
      mkdirSync(logDir);
      const events: SupervisorEvent[] = [];
      const sup = new Supervisor({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], logFile: join(logDir, 'child.log'), onEvent: (e) => events.push(e), random: () => 0 });
      const started = (): number[] => events.flatMap((e) => (e.kind === 'started' ? [e.pid] : []));
      const restarting = (): number[] => events.flatMap((e) => (e.kind === 'restarting' ? [e.inMs] : []));
      try {
        sup.start();
        expect(started()).toHaveLength(1);
        rmSync(logDir, { recursive: true });
        process.kill(started()[0] ?? 0, 'SIGKILL');
        await expect.poll(() => restarting().length, { timeout: 20_000, interval: 50 }).toBe(1);

        vi.advanceTimersByTime(restarting()[0] ?? 0); // the restart: the log cannot be opened
        expect(events.some((e) => e.kind === 'error' && /ENOENT/.test(e.message))).toBe(true);
        expect(restarting()).toHaveLength(2); // and it tries again, backing off
        expect(restarting()[1]).toBeGreaterThan(restarting()[0] ?? 0);

        mkdirSync(logDir);
        vi.advanceTimersByTime(restarting()[1] ?? 0);
        expect(started()).toHaveLength(2);
      } finally {
        await sup.stop(1_000);
        killAll(started());
      }
    });
  });
});
