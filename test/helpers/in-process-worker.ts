/**
 * A host-workflow worker inside the test process, on a stack's task queue, with activities the
 * test chooses (real ones with test driver settings, or stubs that script a failure). It runs the
 * workers' prebuilt workflow bundle (src/worker/workflow-bundle.ts).
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createHostActivities } from '../../src/activities/index.js';
import type { PowerWatch } from '../../src/bmc/power-watch.js';
import { MetalflowClient } from '../../src/client/metalflow-client.js';
import { workflowBundlePathFromEnv } from '../../src/config/worker-settings.js';
import { loadWorkflowBundle } from '../../src/worker/workflow-bundle.js';
import { hostMetricsSinks } from '../../src/worker/metrics/observability.js';
import { MetricsRegistry } from '../../src/worker/metrics/registry.js';
import { DEFAULT_HOST_SETTINGS, HOST_METRICS, type HostSettings } from '../../src/contract/index.js';
import { Keyring } from '../../src/secrets/keyring.js';
import { readPublicKey } from '../../src/secrets/key-store.js';
import { Sealer } from '../../src/secrets/sealer.js';
import type { TestStack } from './stack.js';

/** Real host activities for `stack` (fake driver, 10 ms steps, inline agent) with `settings` over the defaults (and the test's power watch, if given). */
export function realHostActivities(stack: TestStack, temporal: Client, settings: Partial<HostSettings> = {}, powerWatch?: PowerWatch) {
  return createHostActivities({
    keyring: Keyring.load(stack.keyDir),
    drivers: { fakeStateDir: join(stack.dataDir, 'fake-hardware'), fakeStepMs: 10 },
    settings: { ...DEFAULT_HOST_SETTINGS, agent: 'inline', ...settings },
    temporal,
    ...(powerWatch ? { powerWatch } : {}),
  });
}

let bundle: ReturnType<typeof loadWorkflowBundle> | undefined;

export interface InProcessWorker {
  stop(): Promise<void>;
}

/** Runs a worker with `activities` on the stack's task queue and connects the stack's client (instead of `stack.start()`). */
export async function startInProcessWorker(stack: TestStack, activities: object): Promise<InProcessWorker> {
  bundle ??= loadWorkflowBundle(workflowBundlePathFromEnv()); // the workers' prebuilt bundle (rebuilt if src/ changed)
  const connection = await NativeConnection.connect({ address: stack.address });
  const worker = await Worker.create({ connection, namespace: stack.namespace, taskQueue: stack.taskQueue, workflowBundle: { codePath: (await bundle).codePath }, activities, sinks: hostMetricsSinks(new MetricsRegistry(HOST_METRICS)) });
  const running = worker.run();
  stack.client = await MetalflowClient.connect({ address: stack.address, namespace: stack.namespace }, Sealer.fromPublicKey(readPublicKey(stack.keyDir)), stack.taskQueue);
  return {
    stop: async () => {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}
