/**
 * The floor bench's worker (own process, so its CPU is measured apart): the host worker's tuning
 * (src/config/worker-tuning.ts), the floor workflow, the no-op activity.
 *   FLOOR_ADDRESS, FLOOR_NAMESPACE, FLOOR_TASK_QUEUE: set by bench/temporal-floor.ts
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { hostWorkerTuningFromEnv } from '../../src/config/worker-tuning.js';
import { hostWorkerOptions } from '../../src/worker/tuning.js';
import * as activities from './floor-activities.js';

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.FLOOR_ADDRESS ?? '' });
  const worker = await Worker.create({
    connection,
    namespace: process.env.FLOOR_NAMESPACE ?? 'default',
    taskQueue: process.env.FLOOR_TASK_QUEUE ?? 'floor',
    workflowsPath: fileURLToPath(new URL('./floor-workflow.ts', import.meta.url)),
    activities,
    ...hostWorkerOptions(hostWorkerTuningFromEnv()),
  });
  process.once('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  process.stderr.write('floor worker started\n');
  await running;
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`floor worker: ${String(err)}\n`);
  process.exit(1);
});
