/**
 * The contract shared by workflows, workers and clients: names, argument types, task queues,
 * search attribute keys and timeouts. Changing a name here is a breaking change for running hosts.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BareMetalHost, BareMetalHostStatus, HardwareDetails } from './api/types.js';
import type { HostSecrets } from './secrets/sealed-types.js';

export const HOST_WORKFLOW_TYPE = 'hostWorkflow';

export const TaskQueue = {
  /** Host lifecycle workflows and their BMC/agent activities. */
  hosts: 'metalflow-hosts',
  /** Boot-services activities for one provisioning network (DHCP/TFTP/HTTP worker). */
  boot: (network: string): string => `boot-${network}`,
} as const;

/** `bmh/<namespace>/<name>`: one workflow per host, so applying a manifest twice is idempotent. */
export function hostWorkflowId(namespace: string, name: string): string {
  return `bmh/${namespace}/${name}`;
}

/** The namespace and name a host workflow id names; undefined for any other id. */
export function hostOfWorkflowId(workflowId: string): { namespace: string; name: string } | undefined {
  const m = /^bmh\/([^/]+)\/([^/]+)$/.exec(workflowId);
  return m?.[1] && m[2] ? { namespace: m[1], name: m[2] } : undefined;
}

export function parseHostWorkflowId(workflowId: string): { namespace: string; name: string } | undefined {
  const m = /^bmh\/([^/]+)\/([^/]+)$/.exec(workflowId);
  return m ? { namespace: m[1] ?? '', name: m[2] ?? '' } : undefined;
}

/** What `apply` sends: the manifest object (Secret references only) plus the sealed Secrets. */
export interface HostDefinition {
  host: BareMetalHost;
  secrets: HostSecrets;
}

// ---- signals (operator actions; fire and forget, always accepted, applied at the next safe point)
export type RebootMode = 'soft' | 'hard';
export const deprovisionSignal = defineSignal('deprovision');
export const rebootSignal = defineSignal<[{ mode?: RebootMode }?]>('reboot');
export const powerOnSignal = defineSignal('powerOn');
export const powerOffSignal = defineSignal('powerOff');
export const inspectSignal = defineSignal('inspect');
/** Clear the error backoff and try now (also resets a reached provisioning retry limit). */
export const retrySignal = defineSignal('retry');
export const detachSignal = defineSignal<[{ force?: boolean; deleteAction?: 'delete' | 'delay' }?]>('detach');
export const attachSignal = defineSignal('attach');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const deleteSignal = defineSignal('delete');

// ---- signals from the boot services (the agent protocol), never from operators
export interface AgentHeartbeatArg {
  /** The agent's boot session (see expectAgent), so a late heartbeat of an old boot is ignored. */
  session: string;
  callbackUrl: string;
  agentVersion?: string;
}
export const agentHeartbeatSignal = defineSignal<[AgentHeartbeatArg]>('agentHeartbeat');
export interface AgentInspectionArg {
  session: string;
  /** The agent's inventory, already mapped (the raw inventory stays in the boot services). */
  hardware: HardwareDetails;
  /** What the ramdisk reported as failed (IPA's `error` key): the inspection fails with it. */
  error?: string;
}
export const agentInspectionSignal = defineSignal<[AgentInspectionArg]>('agentInspection');

/** The provisioning network whose boot-services worker serves a host (one per rack/network). */
export const DEFAULT_PROVISIONING_NETWORK = 'default';

// ---- updates
export interface ApplySpecResult {
  generation: number;
  changed: boolean;
}
/** Replaces the host definition; the validator rejects invalid specs with field and reason. */
export const applySpecUpdate = defineUpdate<ApplySpecResult, [HostDefinition]>('applySpec');

// ---- queries
export const statusQuery = defineQuery<BareMetalHostStatus>('status');

export interface HostView {
  name: string;
  namespace: string;
  generation: number;
  createdAt: string;
  spec: BareMetalHost['spec'];
  annotations: Record<string, string>;
  status: BareMetalHostStatus;
  paused: boolean;
  detached: boolean;
  deleting: boolean;
  /** When the current error backoff ends (ISO time), if the host is backing off. */
  nextRetryAt?: string;
  /** What the workflow is doing now, e.g. `inspectHardware` or `waiting (power sync)`. */
  currentStep: string;
}
export const hostQuery = defineQuery<HostView>('host');

// ---- search attributes (registered on the namespace by scripts/temporal-dev.sh)
export const SearchAttr = {
  name: defineSearchAttributeKey('BmhName', 'KEYWORD'),
  namespace: defineSearchAttributeKey('BmhNamespace', 'KEYWORD'),
  state: defineSearchAttributeKey('BmhState', 'KEYWORD'),
  operationalStatus: defineSearchAttributeKey('BmhOperationalStatus', 'KEYWORD'),
  errorType: defineSearchAttributeKey('BmhErrorType', 'KEYWORD'),
  poweredOn: defineSearchAttributeKey('BmhPoweredOn', 'BOOL'),
} as const;

/** `name=Type` pairs for `temporal server start-dev --search-attribute` / `operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword' | 'Bool'> = {
  BmhName: 'Keyword',
  BmhNamespace: 'Keyword',
  BmhState: 'Keyword',
  BmhOperationalStatus: 'Keyword',
  BmhErrorType: 'Keyword',
  BmhPoweredOn: 'Bool',
};

// ---- timeouts and limits (defaults; the worker's settings can override the tunable ones)
export const Timeouts = {
  /** BMC calls: power, boot device, registration. */
  bmcCallMs: 2 * 60_000,
  /** Long hardware operations: inspection, cleaning, deployment (Ironic's deploy_callback_timeout is 80 min). */
  hardwareOperationMs: 80 * 60_000,
  /** A hardware activity that stops heartbeating this long is presumed lost (worker died) and retried. */
  heartbeatMs: 15_000,
  /** Soft power off before forcing it (Ironic's soft power-off timeout). */
  softPowerOffMs: 180_000,
  /** Wait for a BMC to report a commanded power state (Ironic power_state_change_timeout). */
  powerStateMs: 120_000,
  /** A boot-services activity not picked up this long means no boot worker serves the network. */
  bootServicesScheduleMs: 5 * 60_000,
} as const;

export interface HostSettings {
  /** Max hosts inspecting/provisioning/deprovisioning at once (BMO PROVISIONING_LIMIT). */
  provisioningLimit: number;
  /** Provisioning failures for one image before giving up (BMO --max-provisioning-retries; 0 = unlimited). */
  maxProvisioningRetries: number;
  /** Period of the power-state sync in stable states (BMO steady-state poll: 60 s). */
  powerSyncIntervalMs: number;
  /** Continue-as-new once the run's history has this many events. */
  maxHistoryEvents: number;
  /** The unit of the error backoff, 2^n units (BMO: one minute). */
  backoffUnitMs: number;
  /**
   * How hosts with a real BMC are inspected, cleaned and deployed: `ipa` through the Ironic agent
   * protocol (boot-services worker), `inline` with the in-process simulated agent.
   */
  agent?: 'ipa' | 'inline';
  /** How long to wait for the agent to boot and call back (Ironic deploy_callback_timeout). */
  agentCallbackTimeoutMs?: number;
  /** What the worker's BMC drivers wait for; the workflow sizes BMC activity timeouts from it. */
  bmcWaits?: BmcWaits;
}

/**
 * The waits inside BMC activities, as the host worker's drivers are configured, so each activity's
 * timeout can hold the waits it contains (a soft power off, then the force off).
 */
export interface BmcWaits {
  /** For a commanded power state to be reported (METALFLOW_POWER_STATE_TIMEOUT). */
  powerStateTimeoutMs: number;
  /** Soft power off before forcing it (METALFLOW_SOFT_POWER_OFF_TIMEOUT). */
  softPowerOffTimeoutMs: number;
  /** Between two power-state reads. */
  powerPollMs: number;
  /** The longest one BMC command takes while the BMC answers (request timeout; IPMI: plus command spacing). */
  commandMs: number;
}

/** The drivers' defaults: for runs whose loaded settings predate `bmcWaits`. */
export const DEFAULT_BMC_WAITS: BmcWaits = {
  powerStateTimeoutMs: Timeouts.powerStateMs,
  softPowerOffTimeoutMs: Timeouts.softPowerOffMs,
  powerPollMs: 1_000,
  commandMs: 35_000,
};

export const DEFAULT_HOST_SETTINGS: HostSettings = {
  provisioningLimit: 20,
  maxProvisioningRetries: 5,
  powerSyncIntervalMs: 60_000,
  maxHistoryEvents: 2_000,
  backoffUnitMs: 60_000,
};
