/**
 * The processes bench/boot-plane starts inside its network namespaces: each in its own process
 * group (so a server's forked children are ended with it), its output kept for reading and in a
 * log file, all of them killed synchronously on any exit, Ctrl-C included. Also their current
 * memory, descriptors and process count from /proc (a server and everything it forked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { descendants } from './measure.js';

export interface NsProcess {
  proc: ChildProcess;
  pid: number;
  lines: string[];
  /** The first output line matching `re` (stdout or stderr). */
  waitLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM to its process group, SIGKILL to the group and all descendants after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface Usage {
  /** Proportional set size of the process and all it forked. */
  pssMiB: number;
  peakRssMiB: number;
  fds: number;
  processes: number;
}

export class BenchProcesses {
  private readonly running = new Set<NsProcess>();

  constructor(
    private readonly cwd: string,
    private readonly logFile: string,
  ) {}

  /** Runs argv inside namespace `ns` (`ip netns exec` replaces itself, so the pid is argv's). */
  start(ns: string, name: string, argv: string[]): NsProcess {
    const proc = spawn('ip', ['netns', 'exec', ns, ...argv], { cwd: this.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const waiters = new Set<() => void>();
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    for (const stream of [proc.stdout, proc.stderr]) {
      let buf = '';
      stream?.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        for (const line of parts) appendFileSync(this.logFile, `[${name}] ${line}\n`);
        lines.push(...parts);
        waiters.forEach((w) => w());
      });
    }
    const p: NsProcess = {
      proc,
      pid: proc.pid ?? 0,
      lines,
      waitLine: (re, timeoutMs = 60_000) =>
        new Promise((resolve, reject) => {
          const check = (): void => {
            const hit = lines.find((l) => re.test(l));
            if (hit !== undefined) done(() => resolve(hit));
            else if (proc.exitCode !== null || proc.signalCode !== null) done(() => reject(new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}) before printing ${re}:\n${lines.slice(-20).join('\n')}`)));
          };
          const timer = setTimeout(() => done(() => reject(new Error(`${name}: no line matching ${re} in ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`))), timeoutMs);
          const done = (settle: () => void): void => {
            clearTimeout(timer);
            waiters.delete(check);
            proc.off('exit', check);
            settle();
          };
          waiters.add(check);
          proc.on('exit', check);
          check();
        }),
      stop: async (graceMs = 5000) => {
        if (!this.running.has(p)) return;
        if (proc.exitCode === null && proc.signalCode === null) signalGroup(p.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
        killTree(p.pid);
        await exited;
        this.running.delete(p);
      },
    };
    this.running.add(p);
    return p;
  }

  /** Synchronous, for exit and signal handlers: every process started, and what each forked. */
  killAll(): void {
    const all = [...this.running].flatMap((p) => [p.pid, ...descendants(p.pid)]);
    for (const p of this.running) signalGroup(p.pid, 'SIGKILL');
    for (const pid of all) signal(pid, 'SIGKILL');
    this.running.clear();
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const signalGroup = (pid: number, sig: NodeJS.Signals): void => signal(-pid, sig);

function killTree(pid: number): void {
  const tree = [pid, ...descendants(pid)];
  signalGroup(pid, 'SIGKILL');
  for (const p of tree) signal(p, 'SIGKILL');
}

/** A process and everything it forked: proportional memory (sum), its own peak RSS, open descriptors, count. */
export function usage(pid: number): Usage {
  const u: Usage = { pssMiB: 0, peakRssMiB: 0, fds: 0, processes: 0 };
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const mib = (file: string, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${p}/${file}`, 'utf8'))?.[1] ?? 0) / 1024;
      // Proportional: a forked child's pages shared with its parent are not counted twice.
      u.pssMiB += mib('smaps_rollup', 'Pss');
      if (p === pid) u.peakRssMiB = mib('status', 'VmHWM');
      u.fds += readdirSync(`/proc/${p}/fd`).length;
      u.processes++;
    } catch {
      // exited meanwhile
    }
  }
  return u;
}
