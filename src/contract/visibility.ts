/**
 * What `get`, `watch` and `wait` read without asking the host workflow (no query, no worker):
 * the Bmh* search attributes plus one memo object, `BmhView`, holding the rest of their columns.
 * The workflow upserts the memo beside the search attributes, only when its content changed.
 */
import type { ProvisioningState } from '../api/types.js';

/** Memo keys of the host workflow. */
export const MemoKey = {
  /** A BmhView: the columns of `get` that are not search attributes. */
  view: 'BmhView',
} as const;

/**
 * The memo object. Only what changes rarely (spec edits, errors, an inspection or a provisioning
 * ending, a reboot request): never step names or timestamps of every status write, which would
 * make every status write a second billable command.
 */
export interface BmhView {
  /** metadata.uid. */
  uid: string;
  generation: number;
  /** metadata.creationTimestamp (AGE). */
  createdAt: string;
  labels: Record<string, string>;
  /** spec.consumerRef.name ('' when none). */
  consumer: string;
  /** spec.bmc.address. */
  bmcAddress: string;
  online: boolean;
  /** spec.image.url ('' when none). */
  image: string;
  /** status.provisioning.image.url ('' when none): `apply --wait` waits for it to be spec.image. */
  provisionedImage: string;
  hardwareProfile: string;
  errorMessage: string;
  errorCount: number;
  /** status.operationHistory.inspect.end ('' when never): `inspect --wait` waits for it to move. */
  inspectedAt: string;
  detached: boolean;
  /** Reboot requests accepted so far (this run and those before it): `reboot --wait` waits for one more. */
  rebootRequests: number;
  /** A reboot request not carried out yet. */
  rebootPending: boolean;
}

/** One host as visibility shows it: the search attributes (state, status, error, power) and the BmhView memo. */
export interface HostSummary extends BmhView {
  name: string;
  namespace: string;
  /** '' before the workflow published anything (its worker never ran it). */
  state: ProvisioningState | '';
  operationalStatus: string;
  errorType: string;
  poweredOn: boolean;
  /**
   * Set when the workflow has published no BmhView (a run recorded before the memo, until its next
   * live change, or one its worker never ran): the memo columns above are placeholders, not facts.
   */
  noView?: true;
}
