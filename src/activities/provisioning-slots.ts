/**
 * Activities between host workflows and the provisioning semaphore (src/workflows/
 * provisioning-semaphore.ts): a workflow cannot send another workflow an update, so acquire and
 * release go through the client here; acquire starts the semaphore on demand (update-with-start).
 */
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  PROVISIONING_SEMAPHORE_WORKFLOW_TYPE,
  SearchAttr,
  acquireSlotUpdate,
  provisioningSemaphoreId,
  releaseSlotUpdate,
  type ProvisioningSemaphoreInput,
  type SlotGrant,
  type SlotHolder,
  type SlotHolderCheck,
  type SlotRelease,
  type SlotRequest,
} from '../contract/index.js';
import { concurrencyLimit } from '../tools/concurrency-limit.js';

/**
 * Acquire/release updates one worker process has in flight at once; the rest wait in-process.
 * Temporal refuses more than about 10 in-flight updates per workflow (RESOURCE_EXHAUSTED), and a
 * burst of 1000 hosts asks at once; each update takes milliseconds, so the queue drains fast.
 */
export const MAX_CONCURRENT_SLOT_UPDATES = 8;

export function createSlotActivities(temporal: Pick<Client, 'workflow'> | undefined) {
  const limited = concurrencyLimit(MAX_CONCURRENT_SLOT_UPDATES);
  const semaphoreId = (): string => provisioningSemaphoreId(Context.current().info.taskQueue);
  return {
    /** Asks the task queue's semaphore for a slot (starting it if none runs). Without a client (unit tests) every ask is granted. */
    async acquireProvisioningSlot(req: SlotRequest): Promise<SlotGrant> {
      if (!temporal) return { granted: true, holders: 0, limit: req.limit };
      const startWorkflowOperation = new WithStartWorkflowOperation(PROVISIONING_SEMAPHORE_WORKFLOW_TYPE, {
        workflowId: semaphoreId(),
        taskQueue: Context.current().info.taskQueue,
        args: [{} satisfies ProvisioningSemaphoreInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      const client = temporal;
      return limited(() => client.workflow.executeUpdateWithStart(acquireSlotUpdate, { args: [req], startWorkflowOperation }));
    },

    /** Gives the slot back (or stops waiting for one); no semaphore running means nothing is held. */
    async releaseProvisioningSlot(req: SlotRelease): Promise<void> {
      if (!temporal) return;
      try {
        const handle = temporal.workflow.getHandle(semaphoreId());
        await limited(() => handle.executeUpdate(releaseSlotUpdate, { args: [req] }));
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },

    /**
     * The holders whose host ended without releasing: not running, or its id now runs another chain
     * (recreated), or (with `stale`) running but out of the busy states with a slot older than the
     * check interval: its release failed, and it may stay stable for months.
     */
    async endedSlotHolders(holders: SlotHolder[], stale?: SlotHolderCheck): Promise<string[]> {
      if (!temporal) return [];
      const ended: string[] = [];
      for (const h of holders) {
        try {
          const d = await temporal.workflow.getHandle(h.holder).describe();
          const firstRunId = d.raw.workflowExecutionInfo?.firstRunId;
          const state = d.typedSearchAttributes.get(SearchAttr.state);
          const idle = stale !== undefined && h.since !== undefined && h.since <= stale.heldBefore && state !== undefined && !stale.busyStates.includes(state);
          if (d.status.name !== 'RUNNING' || (firstRunId && firstRunId !== h.chain) || idle) ended.push(h.holder);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          ended.push(h.holder);
        }
        Context.current().heartbeat();
      }
      return ended;
    },
  };
}

export type SlotActivities = ReturnType<typeof createSlotActivities>;
