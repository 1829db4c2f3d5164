/** Child processes of the emulated lab: started, awaited until ready, and always stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

export interface LabProcess {
  proc: ChildProcess;
  stop(): Promise<void>;
}

export function startProcess(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): LabProcess {
  const log = openSync(logFile, 'a');
  const proc = spawn(command, args, { stdio: ['ignore', log, log], env });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `ready` until it resolves true; fails with the process's exit or after `timeoutMs`. */
export async function waitReady(what: string, p: LabProcess, ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.proc.exitCode !== null) throw new Error(`${what} exited with code ${p.proc.exitCode}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      await p.stop();
      throw new Error(`${what} not ready after ${timeoutMs / 1000}s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A free loopback port (TCP, or UDP for IPMI). */
export function freePort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const sock = createSocket('udp4');
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => {
        const { port } = sock.address();
        sock.close(() => resolve(port));
      });
      return;
    }
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface WorkerProcess {
  proc: ChildProcess;
  logFile: string;
  /** SIGTERM (graceful shutdown), SIGKILL after 20 s. */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Starts one of our worker entry points (`src/worker/*.ts`) as its own `node` process (so it can
 * be measured or SIGKILLed) and resolves once it logs `readyLine`. Output goes to `logFile`.
 */
export async function startNodeWorker(entry: string, readyLine: string, logFile: string, env: NodeJS.ProcessEnv, exec: string[] = []): Promise<WorkerProcess> {
  const log = createWriteStream(logFile);
  // `exec`: an argv prefix, e.g. `ip netns exec <ns>` for a boot worker on a test network.
  const [cmd = process.execPath, ...pre] = [...exec, process.execPath];
  const proc = spawn(cmd, [...pre, '--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.pipe(log);
  let buffered = '';
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 120s: ${buffered.slice(-2000)}`)), 120_000);
    proc.stderr?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (buffered.includes(readyLine)) return;
      buffered += chunk.toString();
      if (buffered.includes(readyLine)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before starting: ${buffered.slice(-2000)}`));
    });
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  process.once('exit', () => proc.kill('SIGKILL')); // never outlive the parent
  const w: WorkerProcess = {
    proc,
    logFile,
    stop: () => stopGracefully(proc, exited, 20_000),
    kill: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await started;
  } catch (err) {
    proc.kill('SIGKILL'); // a worker that did not come up is not left running
    throw err;
  }
  return w;
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopGracefully(proc: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}
