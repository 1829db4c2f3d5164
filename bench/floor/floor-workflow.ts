/**
 * The shape's floor (bench/temporal-floor.ts): a workflow that does nothing but what a host
 * lifecycle costs Temporal — `activities` no-op activities in series (each one workflow task
 * carrying its result) and `upserts` search-attribute upserts spread among them.
 */
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type * as activities from './floor-activities.js';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export async function floorLifecycle(input: { activities: number; upserts: number }): Promise<number> {
  const every = Math.max(1, Math.floor(input.activities / Math.max(1, input.upserts)));
  let upserted = 0;
  for (let i = 0; i < input.activities; i++) {
    if (i % every === 0 && upserted < input.upserts) {
      upsertSearchAttributes({ BmhState: [`step-${i}`] });
      upserted++;
    }
    await noop(i);
  }
  return upserted;
}
