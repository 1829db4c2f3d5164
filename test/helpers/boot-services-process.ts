/** Runs test/helpers/boot-services-main.ts inside a namespace and collects what it logs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { stopGracefully } from '../../lab/processes.js';

export interface BootServicesProcess {
  proc: ChildProcess;
  lines: string[];
  /** Resolves when a logged line matches (only lines from index `since` on, if given). */
  waitFor(re: RegExp, timeoutMs?: number, since?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startBootServicesIn(nsExec: string[], env: Record<string, string>): Promise<BootServicesProcess> {
  const [cmd = 'ip', ...args] = nsExec;
  const proc = spawn(cmd, [...args, process.execPath, '--import', 'tsx', 'test/helpers/boot-services-main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  const listeners = new Set<() => void>();
  let buf = '';
  proc.stdout?.on('data', (c: Buffer) => {
    buf += c.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
    listeners.forEach((l) => l());
  });
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  process.once('exit', () => proc.kill('SIGKILL'));
  const waitFor = (re: RegExp, timeoutMs = 20_000, since = 0): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = lines.slice(since).find((l) => re.test(l));
        if (hit !== undefined) {
          listeners.delete(onLine);
          clearTimeout(timer);
          resolve(hit);
          return true;
        }
        return false;
      };
      const onLine = (): void => void check();
      const timer = setTimeout(() => {
        listeners.delete(onLine);
        reject(new Error(`no log line matching ${re} in ${timeoutMs} ms; log:\n${lines.join('\n')}\n${stderr}`));
      }, timeoutMs);
      if (!check()) listeners.add(onLine);
    });
  const p: BootServicesProcess = {
    proc,
    lines,
    waitFor,
    stop: () => stopGracefully(proc, exited, 5000),
  };
  await waitFor(/boot services ready/, 60_000).catch(async (err: unknown) => {
    await p.stop();
    throw err;
  });
  return p;
}
