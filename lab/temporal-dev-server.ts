/**
 * A private Temporal dev server (temporal CLI, SQLite file, random ports, our namespace and search
 * attributes) for the test suite and the benchmarks. `npm start` uses scripts/temporal-dev.sh.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../src/contract/index.js';
import { freePort } from './processes.js';

export interface TemporalDevServer {
  proc: ChildProcess;
  address: string;
  namespace: string;
  cli: string;
  stop(): Promise<void>;
}

/**
 * SQLite pragmas of the dev server (PERF-PLAN change 13). WAL with synchronous=NORMAL: a commit
 * appends to the log without an fsync each, where the default rollback journal rewrites and syncs
 * per transaction, and every workflow task, activity start/completion and signal is one. The
 * database stays consistent after a crash; a power loss may drop the last commits, acceptable for
 * a dev and bench server (a production Temporal runs on its own database). The bench figures state it.
 */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=WAL', 'synchronous=NORMAL'] as const;

/** The `temporal server start-dev` arguments: loopback, our namespace and search attributes, the pragmas above. */
export function devServerArgs(o: { port: number; httpPort: number; metricsPort: number; dbFile: string; namespace: string; sqlitePragmas?: readonly string[] }): string[] {
  return [
    'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(o.port),
    '--http-port', String(o.httpPort), '--metrics-port', String(o.metricsPort),
    '--db-filename', o.dbFile, '--namespace', o.namespace, '--log-level', 'warn',
    ...(o.sqlitePragmas ?? DEV_SERVER_SQLITE_PRAGMAS).flatMap((p) => ['--sqlite-pragma', p]),
    ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`]),
  ];
}

/** The temporal CLI: TEMPORAL_CLI_PATH, or whatever scripts/ensure-temporal.sh finds or installs. */
export function temporalCli(root = '.'): string {
  return process.env.TEMPORAL_CLI_PATH || execFileSync('bash', [join(root, 'scripts/ensure-temporal.sh')], { encoding: 'utf8' }).trim();
}

/** Distinct free ports (independent picks can collide). */
async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Starts the server; a port taken between our pick and the server's bind makes it exit at once, so it tries again. */
/** `sqlitePragmas`: default DEV_SERVER_SQLITE_PRAGMAS; [] runs SQLite's own defaults (the bench's --sqlite-default). */
export async function startTemporalDevServer(opts: { cli: string; dataDir: string; namespace: string; attempts?: number; sqlitePragmas?: readonly string[] }): Promise<TemporalDevServer> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= (opts.attempts ?? 3); attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      lastError = err;
      process.stderr.write(`temporal dev server attempt ${attempt} failed: ${String(err)}\n`);
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function startOnce(opts: { cli: string; dataDir: string; namespace: string; sqlitePragmas?: readonly string[] }): Promise<TemporalDevServer> {
  const [port, httpPort, metricsPort] = await distinctPorts(3);
  const address = `127.0.0.1:${port}`;
  const logFile = join(opts.dataDir, 'temporal.log');
  const proc = spawn(
    opts.cli,
    devServerArgs({ port: port ?? 0, httpPort: httpPort ?? 0, metricsPort: metricsPort ?? 0, dbFile: join(opts.dataDir, 'temporal.sqlite'), namespace: opts.namespace, ...(opts.sqlitePragmas ? { sqlitePragmas: opts.sqlitePragmas } : {}) }),
    { stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] },
  );
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const conn = await Connection.connect({ address, connectTimeout: '1s' });
      await conn.workflowService.describeNamespace({ namespace: opts.namespace });
      await conn.close();
      return { proc, address, namespace: opts.namespace, cli: opts.cli, stop };
    } catch (err) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`Temporal dev server exited (${proc.exitCode ?? proc.signalCode}): ${tail(logFile)}`);
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`Temporal dev server not ready after 120s (${String(err)}): ${tail(logFile)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
