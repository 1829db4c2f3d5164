/**
 * The provisioning-slot authority (BMO PROVISIONING_LIMIT made exact): one semaphore workflow per
 * host task queue grants slots by update, one at a time in its own history, so no burst of hosts
 * can overshoot the limit the way a visibility count read before acting does.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** The semaphore's workflow type (src/workflows/provisioning-semaphore.ts). */
export const PROVISIONING_SEMAPHORE_WORKFLOW_TYPE = 'provisioningSemaphoreWorkflow';

/** One semaphore per host task queue (one metalflow deployment); started on demand by the first acquire. */
export function provisioningSemaphoreId(taskQueue: string): string {
  return `metalflow-provisioning-slots/${taskQueue}`;
}

/** A host asking for a slot; the answer is immediate (granted, or queued and woken by `slotFreeSignal`). */
export interface SlotRequest {
  /** The host's workflow id: a slot belongs to the id's chain of runs, continue-as-new keeps it. */
  holder: string;
  /** The holder's first run id (workflowInfo().firstExecutionRunId): a recreated host with the same id is another holder. */
  chain: string;
  /** The asking worker's provisioning limit; the latest asked wins. */
  limit: number;
  /** How often the semaphore checks whether holders ended while hosts wait (the host settings' backoff unit). */
  reclaimCheckMs: number;
  /** The semaphore continues as new past this many history events (the host settings' maxHistoryEvents). */
  maxHistoryEvents: number;
  /**
   * Counted, never refused: the host enters a busy state without a slot (a deleted host
   * deprovisioning), which BMO's count includes too. Only such entries exceed the limit.
   */
  force?: boolean;
}

export interface SlotGrant {
  granted: boolean;
  holders: number;
  limit: number;
}

export interface SlotRelease {
  holder: string;
}

/** A holder as the semaphore knows it (for the activity that checks whether holders ended). */
export interface SlotHolder {
  holder: string;
  chain: string;
  /** When the slot was granted (semaphore workflow time); sent to the holder check only. */
  since?: number;
}

/** What lets the holder check count a running holder as ended: it sits out of the busy states with an old slot. */
export interface SlotHolderCheck {
  /** The states that hold a slot (BmhState values). */
  busyStates: string[];
  /** Slots granted at or before this time (one check interval ago) are old enough to judge. */
  heldBefore: number;
}

export interface ProvisioningSemaphoreView {
  limit: number;
  holders: SlotHolder[];
  waiters: string[];
  invited: string[];
  /** The most holders at once since this semaphore chain started (the bench prints it beside the limit). */
  maxHolders: number;
  /** Slots taken back from holders that ended without releasing (terminated, failed, timed out). */
  reclaimed: number;
}

/** Everything a continue-as-new carries (the slot book, src/workflows/slot-book.ts). */
export interface SlotBookState {
  limit: number;
  holders: Record<string, { chain: string; since: number }>;
  waiters: string[];
  /** Waiters told a slot is free, until when the slot is kept for them. */
  invites: Record<string, number>;
  reclaimCheckMs: number;
  maxHistoryEvents: number;
  maxHolders: number;
  reclaimed: number;
  /** When holders were last checked (workflow time); carried so continue-as-new does not postpone the check. */
  lastReclaimCheck?: number;
}

export interface ProvisioningSemaphoreInput {
  book?: SlotBookState;
}

export const acquireSlotUpdate = defineUpdate<SlotGrant, [SlotRequest]>('acquireProvisioningSlot');
export const releaseSlotUpdate = defineUpdate<void, [SlotRelease]>('releaseProvisioningSlot');
export const provisioningSemaphoreQuery = defineQuery<ProvisioningSemaphoreView>('provisioningSemaphore');
/** Sent by the semaphore to a waiting host when a slot is free for it: ask again now. */
export const slotFreeSignal = defineSignal('provisioningSlotFree');
