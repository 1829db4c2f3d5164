/**
 * Activities between host workflows and the provisioning semaphore (src/workflows/
 * provisioning-semaphore.ts): a workflow cannot send another workflow an update, so acquire and
 * release go through the client here; acquire starts the semaphore on demand (update-with-start).
 */
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  PROVISIONING_SEMAPHORE_WORKFLOW_TYPE,
  acquireSlotUpdate,
  provisioningSemaphoreId,
  releaseSlotUpdate,
  type ProvisioningSemaphoreInput,
  type SlotGrant,
  type SlotHolder,
  type SlotRelease,
  type SlotRequest,
} from '../contract/index.js';

export function createSlotActivities(temporal: Pick<Client, 'workflow'> | undefined) {
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
      return temporal.workflow.executeUpdateWithStart(acquireSlotUpdate, { args: [req], startWorkflowOperation });
    },

    /** Gives the slot back (or stops waiting for one); no semaphore running means nothing is held. */
    async releaseProvisioningSlot(req: SlotRelease): Promise<void> {
      if (!temporal) return;
      try {
        await temporal.workflow.getHandle(semaphoreId()).executeUpdate(releaseSlotUpdate, { args: [req] });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },

    /** The holders whose host ended without releasing: not running, or its id now runs another chain (recreated). */
    async endedSlotHolders(holders: SlotHolder[]): Promise<string[]> {
      if (!temporal) return [];
      const ended: string[] = [];
      for (const h of holders) {
        try {
          const d = await temporal.workflow.getHandle(h.holder).describe();
          const firstRunId = d.raw.workflowExecutionInfo?.firstRunId;
          if (d.status.name !== 'RUNNING' || (firstRunId && firstRunId !== h.chain)) ended.push(h.holder);
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
