/** Child processes of the emulated lab: started, awaited until ready, and always stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
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
