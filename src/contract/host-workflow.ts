/** The host workflow: its type, id, input and the state it carries across continue-as-new. */
import type { ImportedStatus } from '../api/imported-status.js';
import type { BareMetalHost, BareMetalHostStatus, RebootMode } from '../api/types.js';
import type { HostFirmwareSpec } from '../api/firmware.js';
import type { HostSecrets } from '../secrets/sealed-types.js';

export const HOST_WORKFLOW_TYPE = 'hostWorkflow';

/** `bmh/<namespace>/<name>`: one workflow per host, so applying a manifest twice is idempotent. */
export function hostWorkflowId(namespace: string, name: string): string {
  return `bmh/${namespace}/${name}`;
}

export function parseHostWorkflowId(workflowId: string): { namespace: string; name: string } | undefined {
  const m = /^bmh\/([^/]+)\/([^/]+)$/.exec(workflowId);
  return m ? { namespace: m[1] ?? '', name: m[2] ?? '' } : undefined;
}

/** What `apply` sends: the manifest object (Secret references only) plus the sealed Secrets. */
export interface HostDefinition {
  host: BareMetalHost;
  secrets: HostSecrets;
  /** Its HostFirmwareSettings, HostFirmwareComponents and HostUpdatePolicy specs (applied with the host). */
  firmware?: HostFirmwareSpec;
}

/** A new host, or one continuing as new with its state carried. */
export interface HostWorkflowInput {
  definition: HostDefinition;
  carried?: CarriedState;
  /** A status exported from Metal3 (validated): a new host adopts it instead of inspecting and provisioning. */
  imported?: ImportedStatus;
}

/** The host workflow's signature (workflow type HOST_WORKFLOW_TYPE), for typed clients. */
export type HostWorkflow = (input: HostWorkflowInput) => Promise<void>;

/** Host state carried across continue-as-new, exactly. */
export interface CarriedState {
  uid: string;
  generation: number;
  createdAt: string;
  status: BareMetalHostStatus;
  flags: HostFlags;
  opSeq: number;
  /** BMC address + credentials version that last registered successfully. */
  registeredAs?: string;
  /** When the current error backoff ends (ms since epoch). */
  retryAt?: number;
  /** Cleanup failures while deleting (give up after MAX_DELETE_FAILURES). */
  deleteFailures: number;
  /** An adoption still waiting for its registration. */
  imported?: ImportedStatus;
  /** What BMO would publish as events (annotations consumed or ignored), newest last, capped. */
  notes?: string[];
  /** The run holds a provisioning slot or waits for one at the provisioning semaphore (released on leaving the busy states). */
  slotAsked?: boolean;
}

/** Operator intent recorded by signals, acted on by the workflow loop at its next safe point. */
export interface HostFlags {
  deleting: boolean;
  detached: boolean;
  detachRequest?: { force: boolean; deleteAction: 'delete' | 'delay' };
  paused: boolean;
  inspectRequested: boolean;
  rebootRequested?: RebootMode;
  /** Reboot requests accepted so far (the BmhView memo shows it; `reboot --wait` waits for it to move). */
  rebootRequests?: number;
  reregister: boolean;
  /** disablePowerOff: the reboot annotations (keys, sorted) already answered with a reboot. */
  rebootedFor?: string;
}
