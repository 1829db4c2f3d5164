/**
 * The context of one driver operation (BMC or agent), as activities hand it to drivers: given to
 * every driver call that changes something; `opId` makes retries of one step idempotent.
 */
export interface OperationContext {
  /** Deterministic id of this step, chosen by the workflow; a retried activity reuses it. */
  opId: string;
  /** Tells Temporal the activity is alive (and lets it notice cancellation). */
  heartbeat(details?: unknown): void;
  /** Aborted when the workflow cancels the step (delete, deprovision) or the worker shuts down. */
  signal: AbortSignal;
}
