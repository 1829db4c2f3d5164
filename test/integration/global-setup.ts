/**
 * Starts one real Temporal dev server (temporal CLI, SQLite file, random ports) for the integration
 * suite and stops it afterwards, even when tests fail.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../../src/contract.js';
import { freePort } from './helpers/ports.js';

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

export async function setup(project: TestProject): Promise<void> {
  const cli = process.env.TEMPORAL_CLI_PATH || execFileSync('bash', ['scripts/ensure-temporal.sh'], { encoding: 'utf8' }).trim();
  dir = mkdtempSync(join(tmpdir(), 'metalflow-temporal-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const log = openSync(join(dir, 'temporal.log'), 'a');
  server = spawn(
    cli,
    [
      'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port),
      '--http-port', String(await freePort()), '--metrics-port', String(await freePort()),
      '--db-filename', join(dir, 'temporal.sqlite'), '--namespace', TEST_NAMESPACE, '--log-level', 'warn',
      ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`]),
    ],
    { stdio: ['ignore', log, log] },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const conn = await Connection.connect({ address, connectTimeout: '1s' });
      await conn.workflowService.describeNamespace({ namespace: TEST_NAMESPACE });
      await conn.close();
      break;
    } catch (err) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`Temporal dev server did not start (logs: ${dir}/temporal.log): ${String(err)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  project.provide('temporalAddress', address);
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
