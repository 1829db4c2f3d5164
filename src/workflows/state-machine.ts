/**
 * The host lifecycle as one declarative table, after BMO's host_state_machine.go and Ironic's
 * states.py: (from, event, guard) → to. Reading the table is reading the product; the workflow only
 * runs each state's action and feeds the resulting event back here.
 */
import { ProvisioningState as S, type ProvisioningState } from '../api/types.js';

export const HostEvent = {
  /** Workflow started: BMC details present or not. */
  Start: 'start',
  /** BMC details added to an unmanaged host. */
  Manage: 'manage',
  Registered: 'registered',
  Inspected: 'inspected',
  Prepared: 'prepared',
  /** Image (or customDeploy) requested with online: true. */
  Provision: 'provision',
  Provisioned: 'provisioned',
  ProvisionFailed: 'provisionFailed',
  /** Image removed or changed, or the `deprovision` signal. */
  Deprovision: 'deprovision',
  Deprovisioned: 'deprovisioned',
  /** Re-inspection requested (`inspect` signal or inspect.metal3.io annotation). */
  Inspect: 'inspect',
  /** spec.externallyProvisioned set. */
  Adopt: 'adopt',
  /** spec.externallyProvisioned cleared (BMO PR #3181). */
  Unadopt: 'unadopt',
  Delete: 'delete',
  PoweredOff: 'poweredOff',
  /** Cleanup before deletion failed more than MAX_DELETE_FAILURES times: give up on it. */
  GiveUp: 'giveUp',
  Deleted: 'deleted',
} as const;
export type HostEvent = (typeof HostEvent)[keyof typeof HostEvent];

/** Terminal pseudo-state: the workflow completes. */
export const DELETED = 'deleted' as const;
export type LifecycleState = ProvisioningState | typeof DELETED;

/** What guards may look at: facts about the desired spec and flags, never I/O. */
export interface GuardContext {
  hasBmc: boolean;
  externallyProvisioned: boolean;
  inspectionDisabled: boolean;
  deleting: boolean;
  detached: boolean;
}

export interface Transition {
  from: readonly ProvisioningState[];
  event: HostEvent;
  to: LifecycleState;
  guard?: (ctx: GuardContext) => boolean;
  /** Entering the target needs a provisioning slot (BMO PROVISIONING_LIMIT); otherwise opStatus `delayed`. */
  needsCapacity?: boolean;
  why: string;
}

const ANY_MANAGED: readonly ProvisioningState[] = [
  S.Registering, S.Inspecting, S.Preparing, S.Available, S.Provisioning, S.Provisioned,
  S.ExternallyProvisioned, S.Deprovisioning, S.PoweringOffBeforeDelete,
];

/** First matching row wins: order rows with guards before their unguarded fallback. */
export const TRANSITIONS: readonly Transition[] = [
  { from: [S.None], event: HostEvent.Start, to: S.Unmanaged, guard: (c) => !c.hasBmc, why: 'no BMC details: opStatus discovered' },
  { from: [S.None], event: HostEvent.Start, to: S.Registering, why: 'BMC details present' },
  { from: [S.Unmanaged], event: HostEvent.Manage, to: S.Registering, why: 'BMC details added' },
  { from: [S.Unmanaged], event: HostEvent.Delete, to: S.Deleting, why: 'nothing to clean up' },

  // Detached hosts are not managed any more: deletion skips deprovisioning and power off.
  { from: ANY_MANAGED, event: HostEvent.Delete, to: S.Deleting, guard: (c) => c.detached, why: 'detached host deleted as is' },

  { from: [S.Registering], event: HostEvent.Registered, to: S.ExternallyProvisioned, guard: (c) => c.externallyProvisioned, why: 'OS installed by something else' },
  { from: [S.Registering], event: HostEvent.Registered, to: S.Preparing, guard: (c) => c.inspectionDisabled, why: 'inspection disabled' },
  { from: [S.Registering], event: HostEvent.Registered, to: S.Inspecting, needsCapacity: true, why: 'hardware inspection needed' },
  { from: [S.Registering], event: HostEvent.Delete, to: S.Deleting, why: 'not yet managed' },

  { from: [S.Inspecting], event: HostEvent.Inspected, to: S.Preparing, why: 'inspection done' },
  { from: [S.Preparing], event: HostEvent.Prepared, to: S.Available, why: 'ready for provisioning' },

  { from: [S.Available], event: HostEvent.Adopt, to: S.ExternallyProvisioned, why: 'spec.externallyProvisioned set' },
  { from: [S.Available], event: HostEvent.Inspect, to: S.Inspecting, needsCapacity: true, why: 're-inspection requested' },
  { from: [S.Available], event: HostEvent.Provision, to: S.Provisioning, needsCapacity: true, why: 'image requested and online' },

  { from: [S.Inspecting, S.Preparing, S.Available, S.ExternallyProvisioned], event: HostEvent.Delete, to: S.PoweringOffBeforeDelete, why: 'delete requested' },

  { from: [S.Provisioning], event: HostEvent.Provisioned, to: S.Provisioned, why: 'image deployed' },
  { from: [S.Provisioning], event: HostEvent.ProvisionFailed, to: S.Deprovisioning, why: 'provisioning failed: clean up before retrying' },
  { from: [S.Provisioning, S.Provisioned], event: HostEvent.Deprovision, to: S.Deprovisioning, needsCapacity: true, why: 'image removed or changed' },
  { from: [S.Provisioning, S.Provisioned], event: HostEvent.Delete, to: S.Deprovisioning, why: 'delete requested: deprovision first' },

  { from: [S.ExternallyProvisioned], event: HostEvent.Unadopt, to: S.Provisioned, why: 'spec.externallyProvisioned cleared' },

  { from: [S.Deprovisioning], event: HostEvent.Deprovisioned, to: S.PoweringOffBeforeDelete, guard: (c) => c.deleting, why: 'deprovisioned for deletion' },
  { from: [S.Deprovisioning], event: HostEvent.Deprovisioned, to: S.Available, why: 'back in the pool' },
  { from: [S.Deprovisioning], event: HostEvent.GiveUp, to: S.PoweringOffBeforeDelete, why: 'giving up on host clean up after repeated failures' },

  { from: [S.PoweringOffBeforeDelete], event: HostEvent.PoweredOff, to: S.Deleting, why: 'powered off' },
  { from: [S.PoweringOffBeforeDelete], event: HostEvent.GiveUp, to: S.Deleting, why: 'giving up on power off after repeated failures' },

  { from: [S.Deleting], event: HostEvent.Deleted, to: DELETED, why: 'host forgotten' },
];

/** Cleanup failures tolerated while deleting before moving on (BMO: "after 3 attempts"). */
export const MAX_DELETE_FAILURES = 3;

export function nextTransition(from: ProvisioningState, event: HostEvent, ctx: GuardContext): Transition | undefined {
  return TRANSITIONS.find((t) => t.event === event && t.from.includes(from) && (t.guard?.(ctx) ?? true));
}

/** Events a state accepts at all (for docs, the CLI and tests). */
export function eventsFrom(state: ProvisioningState): HostEvent[] {
  return [...new Set(TRANSITIONS.filter((t) => t.from.includes(state)).map((t) => t.event))];
}

/** Stable states wait for a desire (image, delete, ...) and keep power in sync; the others act. */
export const STABLE_STATES: readonly ProvisioningState[] = [S.Unmanaged, S.Available, S.Provisioned, S.ExternallyProvisioned];

/** States in which the host's power follows spec.online. */
export const POWER_MANAGED_STATES: readonly ProvisioningState[] = [S.Available, S.Provisioned, S.ExternallyProvisioned];

/** States in which the `detached` signal is honoured without force (BMO detached annotation rules). */
export const DETACHABLE_STATES: readonly ProvisioningState[] = [S.Available, S.Provisioned, S.ExternallyProvisioned];

/** States counted against the provisioning limit. */
export const BUSY_STATES: readonly ProvisioningState[] = [S.Inspecting, S.Provisioning, S.Deprovisioning];
