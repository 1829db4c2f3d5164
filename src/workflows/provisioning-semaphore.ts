/**
 * The provisioning semaphore: one workflow per host task queue, the single authority for
 * provisioning slots (BMO PROVISIONING_LIMIT, exact). Update handlers run one at a time in the
 * workflow's own history, so 1000 hosts asking at once still get at most `limit` slots. It wakes
 * waiters by signal as slots free up, takes back slots of holders that ended without releasing
 * (terminated hosts: checked by describe, only while hosts wait and every slot is held), and
 * continues as new before its history grows long. Idle, it runs no timer at all.
 */
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { acquireSlotUpdate, provisioningSemaphoreQuery, releaseSlotUpdate, slotFreeSignal, type ProvisioningSemaphoreInput } from '../contract/index.js';
import { FailureType, SlotBookFullError } from '../errors.js';
import { slotCheck } from './activity-proxies.js';
import { acquire, emptyBook, holdersToCheck, invite, nextInviteExpiry, reclaim, reclaimDue, release, saturated, viewOf } from './slot-book.js';
import { StateTrait, statesWith } from './state-machine.js';

export async function provisioningSemaphoreWorkflow(input: ProvisioningSemaphoreInput = {}): Promise<void> {
  const book = input.book ?? emptyBook();
  let changed = 0;
  setHandler(acquireSlotUpdate, (req) => {
    let granted: boolean;
    try {
      granted = acquire(book, req, Date.now());
    } catch (err) {
      // The update fails (the asker is delayed and asks again later); the semaphore goes on.
      if (err instanceof SlotBookFullError) throw ApplicationFailure.create({ type: FailureType.SlotBookFullError, message: err.message, details: [err.context] });
      throw err;
    }
    changed += 1;
    return { granted, holders: Object.keys(book.holders).length, limit: book.limit };
  });
  setHandler(releaseSlotUpdate, ({ holder }) => {
    release(book, holder);
    changed += 1;
  });
  setHandler(provisioningSemaphoreQuery, () => viewOf(book));

  book.lastReclaimCheck ??= Date.now();
  for (;;) {
    const now = Date.now();
    if (saturated(book) && reclaimDue(book, now)) {
      try {
        // A holder out of the busy states with a slot older than one interval lost its release: ended too.
        const ended = await slotCheck.endedSlotHolders(holdersToCheck(book), { busyStates: statesWith(StateTrait.busy), heldBefore: now - book.reclaimCheckMs });
        if (reclaim(book, ended) > 0) log.info('provisioning slots reclaimed from ended holders', { ended });
      } catch (err) {
        // The authority must outlive a failed check (a failed semaphore would forget its holders): try at the next interval.
        log.warn('checking provisioning slot holders failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
    const woken = invite(book, Date.now(), book.reclaimCheckMs);
    // A woken host that is gone (deleted meanwhile) cannot be signalled: its kept slot simply expires.
    await Promise.all(woken.map((w) => getExternalWorkflowHandle(w).signal(slotFreeSignal).catch(() => undefined)));

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= book.maxHistoryEvents) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof provisioningSemaphoreWorkflow>({ book });
    }
    const seen = changed;
    const deadlines = [nextInviteExpiry(book), saturated(book) ? (book.lastReclaimCheck ?? now) + book.reclaimCheckMs : undefined].filter((t): t is number => t !== undefined);
    const wait = deadlines.length > 0 ? Math.max(Math.min(...deadlines) - Date.now(), 1) : undefined;
    if (wait === undefined) await condition(() => changed !== seen);
    else await condition(() => changed !== seen, wait);
  }
}
