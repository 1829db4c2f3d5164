/** Cleanup for tests that run src/supervisor/main.ts: the children it started must not outlive a failed test. */
import { existsSync, readFileSync } from 'node:fs';

/** The pids of the children a supervisor reported starting in `log` (its "started (pid N)" / "restarted (pid N" lines). */
export function supervisedPids(log: string): number[] {
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  return [...text.matchAll(/supervisor: .*?started \(pid (\d+)/g)].map((m) => Number(m[1]));
}

/** SIGKILL to each pid; those already gone are skipped. */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
