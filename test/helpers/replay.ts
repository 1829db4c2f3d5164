/** Replays histories against the current workflow code; returns the workflow ids that failed, with why. */
import { fileURLToPath } from 'node:url';
import { Worker, type ReplayHistoriesIterable } from '@temporalio/worker';
import { workflowBundlerOptions } from '../../src/worker/bundler.js';

export async function replayHistories(histories: ReplayHistoriesIterable): Promise<{ replayed: number; failures: string[] }> {
  const results = Worker.runReplayHistories(
    { workflowsPath: fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url)), bundlerOptions: workflowBundlerOptions() },
    histories,
  );
  let replayed = 0;
  const failures: string[] = [];
  for await (const r of results) {
    replayed += 1;
    if (r.error) failures.push(`${r.workflowId}: ${String(r.error)}`);
  }
  return { replayed, failures };
}
