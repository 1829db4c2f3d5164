/** Figures for the benchmarks: percentiles and a process's CPU seconds and peak RSS (Linux /proc). */
import { readdirSync, readFileSync } from 'node:fs';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export interface ProcessUsage {
  cpuSeconds: number;
  peakRssMiB: number;
}

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** CPU (user+system, including waited-for children) and peak RSS of a running process. */
export function processUsage(pid: number): ProcessUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): utime is 14th, stime 15th, cutime 16th, cstime 17th.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((s, i) => s + Number(f[i] ?? 0), 0);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds: ticks / CLOCK_TICKS, peakRssMiB: Number(hwm?.[1] ?? 0) / 1024 };
}

/** Sum of usage over a process and its descendants (e.g. a server and its helper processes). */
export function treeUsage(pid: number): ProcessUsage {
  const total = { cpuSeconds: 0, peakRssMiB: 0 };
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const u = processUsage(p);
      total.cpuSeconds += u.cpuSeconds;
      total.peakRssMiB += u.peakRssMiB;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/** All descendants, found by parent pid in /proc (children forked from any thread count too). */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, pp] of parent) if (pp === p) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
