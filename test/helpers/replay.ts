/** Replays histories against the current workflow code; returns the workflow ids that failed, with why. */
import { Worker, type ReplayHistoriesIterable } from '@temporalio/worker';
import { workflowBundlePathFromEnv } from '../../src/config/worker-settings.js';
import { HOST_METRICS } from '../../src/contract/index.js';
import { hostMetricsSinks } from '../../src/worker/metrics/observability.js';
import { MetricsRegistry } from '../../src/worker/metrics/registry.js';
import { loadWorkflowBundle } from '../../src/worker/workflow-bundle.js';

export async function replayHistories(histories: ReplayHistoriesIterable): Promise<{ replayed: number; failures: string[] }> {
  // The workers' bundle, rebuilt first if any source changed since it was built: always the current code.
  const { codePath } = await loadWorkflowBundle(workflowBundlePathFromEnv());
  // The workers' sinks (never called while replaying): unregistered, each call would log an error.
  const sinks = hostMetricsSinks(new MetricsRegistry(HOST_METRICS));
  const results = Worker.runReplayHistories({ workflowBundle: { codePath }, sinks }, histories);
  let replayed = 0;
  const failures: string[] = [];
  for await (const r of results) {
    replayed += 1;
    if (r.error) failures.push(`${r.workflowId}: ${String(r.error)}`);
  }
  return { replayed, failures };
}
