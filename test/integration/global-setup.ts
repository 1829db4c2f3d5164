/**
 * Starts one real Temporal dev server (temporal CLI, SQLite file, random ports) for the integration
 * suite and stops it afterwards, even when tests fail.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../../src/contract.js';
import { freePort } from '../../src/lab/processes.js';

export const TEST_NAMESPACE = 'metalflow-test';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    temporalCli: string;
  }
}

let server: ChildProcess | undefined;
let dir: string | undefined;

/** Distinct free ports (independent picks can collide). */
async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function startServer(cli: string, dataDir: string): Promise<{ proc: ChildProcess; address: string }> {
  const [port, httpPort, metricsPort] = await distinctPorts(3);
  const address = `127.0.0.1:${port}`;
  const log = openSync(join(dataDir, 'temporal.log'), 'a');
  const proc = spawn(
    cli,
    [
      'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port),
      '--http-port', String(httpPort), '--metrics-port', String(metricsPort),
      '--db-filename', join(dataDir, 'temporal.sqlite'), '--namespace', TEST_NAMESPACE, '--log-level', 'warn',
      ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`]),
    ],
    { stdio: ['ignore', log, log] },
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const conn = await Connection.connect({ address, connectTimeout: '1s' });
      await conn.workflowService.describeNamespace({ namespace: TEST_NAMESPACE });
      await conn.close();
      return { proc, address };
    } catch (err) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`Temporal dev server exited (${proc.exitCode ?? proc.signalCode}): ${tail(join(dataDir, 'temporal.log'))}`);
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`Temporal dev server not ready after 120s (${String(err)}): ${tail(join(dataDir, 'temporal.log'))}`);
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

export async function setup(project: TestProject): Promise<void> {
  const cli = process.env.TEMPORAL_CLI_PATH || execFileSync('bash', ['scripts/ensure-temporal.sh'], { encoding: 'utf8' }).trim();
  dir = mkdtempSync(join(tmpdir(), 'metalflow-temporal-'));
  // A port taken between our pick and the server's bind makes it exit at once: try again with new ports.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3 && !server; attempt++) {
    try {
      const started = await startServer(cli, dir);
      server = started.proc;
      project.provide('temporalAddress', started.address);
    } catch (err) {
      lastError = err;
      process.stderr.write(`temporal dev server attempt ${attempt} failed: ${String(err)}\n`);
    }
  }
  if (!server) throw lastError instanceof Error ? lastError : new Error(String(lastError));
  project.provide('temporalNamespace', TEST_NAMESPACE);
  project.provide('temporalCli', cli);
}

export async function teardown(): Promise<void> {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        server?.kill('SIGKILL');
        r(undefined);
      }, 10_000);
      server?.once('exit', () => {
        clearTimeout(t);
        r(undefined);
      });
    });
  }
  if (dir && !process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
}
