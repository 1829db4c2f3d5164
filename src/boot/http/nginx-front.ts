/**
 * nginx as a child of the boot services: its configuration and certificate copy in a private
 * directory (0700, files 0600), restarted with the supervisor's backoff when it dies, stopped (and
 * the directory removed) with the services. nginx runs in its own process group: a master killed
 * with SIGKILL leaves its workers holding the ports, so the whole group is killed before a restart,
 * at stop, when this process exits, and (from the pid file) when a boot worker that was killed
 * itself starts again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AddressInUseError } from '../../net/listen-error.js';
import { nextRestartCount, restartDelayMs } from '../../tools/restart-backoff.js';

/** nginx up (its pid file written, which it does after binding every listener) within this. */
export const NGINX_START_TIMEOUT_MS = 15_000;
/** SIGTERM (nginx's fast shutdown) to SIGKILL of the group when stopping. */
export const NGINX_STOP_GRACE_MS = 5_000;

/** nginx could not be started (missing binary, bad configuration): the boot worker does not start. */
export class NginxStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NginxStartError';
  }
}

export interface NginxFrontOptions {
  /** The nginx binary (`nginx` on PATH by default). */
  binary: string;
  /** The private directory; emptied at start, removed at stop. */
  dir: string;
  /** nginx.conf, given the directory. */
  config: string;
  /** Other files written into the directory (0600): the TLS certificate and key. */
  files?: Record<string, string>;
  /** Called once the directory exists, before nginx starts (the upstream's socket goes there). */
  prepared?: (dir: string) => Promise<void>;
  log: (level: 'debug' | 'info' | 'warn', message: string) => void;
  /** Named in the AddressInUseError of a taken port. */
  service?: string;
  random?: () => number;
}

export class NginxFront {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private restarts = 0;
  private readonly exitHook = (): void => this.killGroup('SIGKILL');

  private constructor(private readonly o: NginxFrontOptions) {}

  get dir(): string {
    return this.o.dir;
  }

  /** Writes the directory and starts nginx; resolves once it listens. */
  static async start(o: NginxFrontOptions): Promise<NginxFront> {
    const owner = ownerOf(o.dir);
    // A second boot worker (or boot services) of the same network and data directory must fail, not take over the first's nginx; stop() removes the directory.
    if (owner !== undefined && alive(owner)) throw new NginxStartError(`${o.dir} belongs to a running boot worker (pid ${owner})`);
    killStale(o.dir);
    rmSync(o.dir, { recursive: true, force: true });
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    chmodSync(o.dir, 0o700); // whatever the umask or an older directory said
    writeFileSync(join(o.dir, OWNER_FILE), String(process.pid), { mode: 0o600 });
    writeFileSync(join(o.dir, 'nginx.conf'), o.config, { mode: 0o600 });
    for (const [name, content] of Object.entries(o.files ?? {})) writeFileSync(join(o.dir, name), content, { mode: 0o600 });
    const front = new NginxFront(o);
    process.once('exit', front.exitHook);
    try {
      await o.prepared?.(o.dir);
      await front.spawnAndWait();
    } catch (err) {
      await front.stop();
      throw err;
    }
    return front;
  }

  /** The master's pid while it runs. */
  pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Every process of nginx's group (master and workers), from /proc. */
  groupPids(): number[] {
    const pid = this.child?.pid;
    return pid === undefined ? [] : processGroup(pid);
  }

  private spawnAndWait(): Promise<void> {
    const o = this.o;
    const pidFile = join(o.dir, 'nginx.pid');
    rmSync(pidFile, { force: true });
    const child = spawn(o.binary, ['-p', o.dir, '-e', 'stderr', '-c', join(o.dir, 'nginx.conf')], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    const started = Date.now();
    let stderr = '';
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = (lines.pop() ?? '').slice(-4096); // a line cut between two reads
      for (const line of lines) {
        if (!line) continue;
        stderr = (stderr + line + '\n').slice(-4096);
        o.log('warn', `nginx: ${line}`);
      }
    });
    return new Promise((resolve, reject) => {
      let up = false;
      const poll = setInterval(() => {
        let written = '';
        try {
          written = readFileSync(pidFile, 'utf8').trim();
        } catch {
          // not yet
        }
        if (written === String(child.pid)) {
          up = true;
          clearInterval(poll);
          resolve();
        } else if (Date.now() - started > NGINX_START_TIMEOUT_MS) {
          clearInterval(poll);
          reject(new NginxStartError(`nginx did not start within ${NGINX_START_TIMEOUT_MS} ms: ${stderr.trim()}`));
        }
      }, 20);
      child.once('error', (err) => {
        clearInterval(poll);
        if (!up) reject(new NginxStartError(`cannot run ${o.binary}: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearInterval(poll);
        // The workers of a master that was killed still hold the ports.
        this.killGroup('SIGKILL', child.pid);
        if (this.child === child) this.child = undefined;
        if (!up) return reject(startFailure(stderr, o.service ?? 'HTTP boot server (nginx)', code));
        if (this.stopping) return;
        const ranMs = Date.now() - started;
        this.restarts = nextRestartCount(this.restarts, ranMs);
        const inMs = restartDelayMs(this.restarts, o.random ?? Math.random);
        o.log('warn', `nginx (pid ${child.pid ?? '?'}) exited ${signal ? `on ${signal}` : `with code ${code}`} after ${(ranMs / 1000).toFixed(1)} s; restarting in ${(inMs / 1000).toFixed(1)} s (restart ${this.restarts} in a row)`);
        this.timer = setTimeout(() => this.restart(), inMs);
      });
    });
  }

  /** From the restart timer: a failed start is logged and tried again with the backoff. */
  private restart(): void {
    if (this.stopping) return;
    this.spawnAndWait().then(
      () => this.o.log('info', `nginx restarted (pid ${this.child?.pid ?? '?'})`),
      (err: unknown) => this.o.log('warn', `nginx restart failed: ${(err as Error).message}`),
    );
  }

  private killGroup(signal: NodeJS.Signals, pid = this.child?.pid): void {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  }

  /** Stops nginx for good (SIGTERM, SIGKILL of the group after the grace) and removes the directory. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (child && this.pid() !== undefined) {
      const gone = new Promise((r) => child.once('exit', r));
      this.killGroup('SIGTERM');
      const kill = setTimeout(() => this.killGroup('SIGKILL', child.pid), NGINX_STOP_GRACE_MS);
      await gone;
      clearTimeout(kill);
    }
    if (child?.pid !== undefined) this.killGroup('SIGKILL', child.pid);
    process.off('exit', this.exitHook);
    rmSync(this.o.dir, { recursive: true, force: true });
  }
}

const OWNER_FILE = 'owner.pid';

function ownerOf(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function startFailure(stderr: string, service: string, code: number | null): Error {
  const taken = /bind\(\) to (\S+):(\d+) failed \(98/.exec(stderr);
  if (taken) return new AddressInUseError('tcp', (taken[1] ?? '').replace(/^\[|\]$/g, ''), Number(taken[2]), service);
  return new NginxStartError(`nginx exited with code ${code} at start: ${stderr.trim()}`);
}

/** pids whose process group is `pgid` (Linux /proc). */
function processGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** An nginx left by a boot worker that was killed (its pid file in our directory, its command line naming it). */
function killStale(dir: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) return;
  } catch {
    return;
  }
  for (const p of processGroup(pid)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
