/**
 * Keeps one child process running: when it exits on its own (crash, `kill -9`), it is started again
 * after the restart backoff, each restart reported. `stop()` ends it for good: SIGTERM (the
 * workers shut down gracefully), SIGKILL after the grace time, and no restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { nextRestartCount, restartDelayMs } from '../tools/restart-backoff.js';

/** SIGTERM to SIGKILL when stopping (the workers' own shutdown grace is 10 s). */
export const STOP_GRACE_MS = 20_000;

export type SupervisorEvent =
  | { kind: 'started'; pid: number; restart: number }
  | { kind: 'exited'; pid: number; code: number | null; signal: NodeJS.Signals | null; ranMs: number }
  | { kind: 'restarting'; inMs: number; restart: number }
  | { kind: 'error'; message: string };

export interface SupervisorOptions {
  command: string;
  args: string[];
  /** The child's stdout and stderr are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  onEvent: (e: SupervisorEvent) => void;
  random?: () => number;
  now?: () => number;
}

export class Supervisor {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private restarts = 0;
  private readonly exited: Array<() => void> = [];

  constructor(private readonly opts: SupervisorOptions) {}

  start(): void {
    const now = this.opts.now ?? Date.now;
    const log = openSync(this.opts.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.opts.command, this.opts.args, { stdio: ['ignore', log, log], ...(this.opts.env ? { env: this.opts.env } : {}) });
    } finally {
      closeSync(log); // the child holds its own descriptor
    }
    this.child = child;
    const started = now();
    child.once('error', (err) => this.opts.onEvent({ kind: 'error', message: err.message })); // 'close' follows
    if (child.pid !== undefined) this.opts.onEvent({ kind: 'started', pid: child.pid, restart: this.restarts });
    child.once('close', (code, signal) => {
      this.child = undefined;
      const ranMs = now() - started;
      this.opts.onEvent({ kind: 'exited', pid: child.pid ?? -1, code, signal, ranMs });
      for (const done of this.exited.splice(0)) done();
      this.scheduleRestart(ranMs);
    });
  }

  private scheduleRestart(ranMs: number): void {
    if (this.stopping) return;
    this.restarts = nextRestartCount(this.restarts, ranMs);
    const inMs = restartDelayMs(this.restarts, this.opts.random ?? Math.random);
    this.opts.onEvent({ kind: 'restarting', inMs, restart: this.restarts });
    this.timer = setTimeout(() => this.restart(), inMs);
  }

  /**
   * A start from the restart timer: it must not throw (an uncaught error would end the supervisor
   * and with it `npm start`'s stack). A child that cannot be started (its log directory gone, the
   * command unusable) is reported and tried again with the backoff, as a child that died at once.
   */
  private restart(): void {
    try {
      this.start();
    } catch (err) {
      this.opts.onEvent({ kind: 'error', message: `could not start: ${(err as Error).message}` });
      this.scheduleRestart(0);
    }
  }

  /** Stops the child (SIGTERM, SIGKILL after `graceMs`) and never restarts it. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((resolve) => this.exited.push(resolve));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(kill);
  }
}
