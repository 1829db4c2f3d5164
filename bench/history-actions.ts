/**
 * Temporal "actions" in one workflow history, counted the way Temporal Cloud bills them
 * (docs.temporal.io/cloud/actions): the workflow start, each activity scheduled (retries count as
 * attempts of one scheduled activity: one action per scheduled event plus one per retry is not
 * visible in history, so retries are not counted here), timers, signals, updates, search attribute
 * upserts, side effects/markers, child workflows, continue-as-new.
 */
import type { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;

export function countActions(events: Event[]): number {
  let n = 0;
  for (const e of events) {
    if (
      e.workflowExecutionStartedEventAttributes ||
      e.activityTaskScheduledEventAttributes ||
      e.timerStartedEventAttributes ||
      e.workflowExecutionSignaledEventAttributes ||
      e.workflowExecutionUpdateAcceptedEventAttributes ||
      e.upsertWorkflowSearchAttributesEventAttributes ||
      e.markerRecordedEventAttributes ||
      e.startChildWorkflowExecutionInitiatedEventAttributes ||
      e.workflowExecutionContinuedAsNewEventAttributes
    ) n++;
  }
  return n;
}
