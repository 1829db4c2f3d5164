/**
 * Starts one real Temporal dev server (temporal CLI, SQLite file, random ports) for the integration
 * and end-to-end suites and stops it afterwards, even when tests fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startTemporalDevServer, temporalCli, type TemporalDevServer } from '../../lab/temporal-dev-server.js';
import { workflowBundlePathFromEnv } from '../../src/config/worker-settings.js';
import { loadWorkflowBundle } from '../../src/worker/workflow-bundle.js';

export const TEST_NAMESPACE = 'metalflow-test';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    temporalCli: string;
  }
}

let server: TemporalDevServer | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const cli = temporalCli();
  // Once for the run (scripts/setup.sh usually did): worker processes then never bundle at start.
  await loadWorkflowBundle(workflowBundlePathFromEnv());
  dir = mkdtempSync(join(tmpdir(), 'metalflow-temporal-'));
  server = await startTemporalDevServer({ cli, dataDir: dir, namespace: TEST_NAMESPACE });
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', TEST_NAMESPACE);
  project.provide('temporalCli', cli);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir && !process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
}
