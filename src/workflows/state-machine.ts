/**
 * The host lifecycle as one declarative table, after BMO's host_state_machine.go and Ironic's
 * states.py: (from, event, guard) → to, and beside it the states table (what each state is). Reading
 * the two tables is reading the product; the workflow only runs each state's handler
 * (handlers/) and feeds the resulting event back here.
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
  /** RAID or rootDeviceHints changed on an available host (BMO handleAvailable: back to preparing). */
  Prepare: 'prepare',
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
  /** The state of a status exported from Metal3, until the adopted host is registered. */
  imported?: ProvisioningState;
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

/**
 * What each state is, as Ironic's states.py declares it: read a row, know the state. The handler
 * that runs in each state is in handlers/index.ts; the transitions out of it are above.
 */
export const StateTrait = {
  /** Waits for a desire (image, delete, ...) and keeps power in sync; the other states act. */
  stable: 'stable',
  /** The host's power follows spec.online (and `reboot` is honoured). */
  powerManaged: 'powerManaged',
  /** The `detach` signal is honoured without force (BMO detached annotation rules). */
  detachable: 'detachable',
  /** Holds a provisioning slot (BMO PROVISIONING_LIMIT). */
  busy: 'busy',
  /** A delete request moves the host on from here (otherwise the state finishes first). */
  deletable: 'deletable',
  /** Known to the BMC driver: a detached host is deleted from here as it is. */
  enrolled: 'enrolled',
  /** Re-registered in place when the BMC address or credentials change (BMO ensureRegistered). */
  reregisters: 'reregisters',
} as const;
export type StateTrait = (typeof StateTrait)[keyof typeof StateTrait];

export const STATES: Readonly<Record<ProvisioningState, readonly StateTrait[]>> = {
  [S.None]: [],
  [S.Unmanaged]: ['stable', 'deletable'],
  [S.Registering]: ['deletable', 'enrolled'],
  [S.Inspecting]: ['busy', 'deletable', 'enrolled', 'reregisters'],
  [S.Preparing]: ['deletable', 'enrolled', 'reregisters'],
  [S.Available]: ['stable', 'powerManaged', 'detachable', 'deletable', 'enrolled', 'reregisters'],
  [S.Provisioning]: ['busy', 'deletable', 'enrolled', 'reregisters'],
  [S.Provisioned]: ['stable', 'powerManaged', 'detachable', 'deletable', 'enrolled', 'reregisters'],
  [S.ExternallyProvisioned]: ['stable', 'powerManaged', 'detachable', 'deletable', 'enrolled', 'reregisters'],
  [S.Deprovisioning]: ['busy', 'enrolled', 'reregisters'],
  [S.PoweringOffBeforeDelete]: ['enrolled'],
  [S.Deleting]: [],
};

export function stateIs(state: ProvisioningState, trait: StateTrait): boolean {
  return STATES[state].includes(trait);
}

export function statesWith(trait: StateTrait): ProvisioningState[] {
  return (Object.keys(STATES) as ProvisioningState[]).filter((s) => stateIs(s, trait));
}

/** First matching row wins: order rows with guards before their unguarded fallback. */
export const TRANSITIONS: readonly Transition[] = [
  { from: [S.None], event: HostEvent.Start, to: S.Unmanaged, guard: (c) => !c.hasBmc, why: 'no BMC details: opStatus discovered' },
  { from: [S.None], event: HostEvent.Start, to: S.Registering, why: 'BMC details present' },
  { from: [S.Unmanaged], event: HostEvent.Manage, to: S.Registering, why: 'BMC details added' },
  { from: [S.Unmanaged], event: HostEvent.Delete, to: S.Deleting, why: 'nothing to clean up' },

  // Detached hosts are not managed any more: deletion skips deprovisioning and power off.
  { from: statesWith(StateTrait.enrolled), event: HostEvent.Delete, to: S.Deleting, guard: (c) => c.detached, why: 'detached host deleted as is' },

  // Adoption (a status exported from Metal3): registered and checked, then its state; no inspection, cleaning or image write.
  { from: [S.Registering], event: HostEvent.Registered, to: S.Provisioned, guard: (c) => c.imported === S.Provisioned, why: 'adopted: provisioned in Metal3' },
  { from: [S.Registering], event: HostEvent.Registered, to: S.ExternallyProvisioned, guard: (c) => c.imported === S.ExternallyProvisioned, why: 'adopted: externally provisioned in Metal3' },
  { from: [S.Registering], event: HostEvent.Registered, to: S.Available, guard: (c) => c.imported === S.Available, why: 'adopted: available in Metal3 (hardware imported)' },
  { from: [S.Registering], event: HostEvent.Registered, to: S.Preparing, guard: (c) => c.imported === S.Preparing, why: 'adopted: preparing in Metal3 (hardware imported)' },
  { from: [S.Registering], event: HostEvent.Registered, to: S.ExternallyProvisioned, guard: (c) => c.externallyProvisioned, why: 'OS installed by something else' },
  { from: [S.Registering], event: HostEvent.Registered, to: S.Preparing, guard: (c) => c.inspectionDisabled, why: 'inspection disabled' },
  { from: [S.Registering], event: HostEvent.Registered, to: S.Inspecting, needsCapacity: true, why: 'hardware inspection needed' },
  { from: [S.Registering], event: HostEvent.Delete, to: S.Deleting, why: 'not yet managed' },

  { from: [S.Inspecting], event: HostEvent.Inspected, to: S.Preparing, why: 'inspection done' },
  { from: [S.Preparing], event: HostEvent.Prepared, to: S.Available, why: 'ready for provisioning' },

  { from: [S.Available], event: HostEvent.Adopt, to: S.ExternallyProvisioned, why: 'spec.externallyProvisioned set' },
  { from: [S.Available], event: HostEvent.Inspect, to: S.Inspecting, needsCapacity: true, why: 're-inspection requested' },
  { from: [S.Available], event: HostEvent.Prepare, to: S.Preparing, why: 'RAID or root device hints changed' },
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
