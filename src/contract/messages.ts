/** The host workflow's signals, update and queries: what operators, clients and the boot services send it. */
import type { HostFirmwareSpec } from '../api/firmware.js';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BareMetalHost, BareMetalHostStatus, RebootMode } from '../api/types.js';
import type { SessionHeartbeat, SessionInspection } from '../boot/agent-sessions.js';
import type { PowerReport } from '../bmc/power-watch.js';
import type { SecretPurpose } from '../secrets/sealed-types.js';
import type { HostDefinition } from './host-workflow.js';
import type { AnnotationEdit } from '../api/annotations.js';

// ---- signals (operator actions; fire and forget, always accepted, applied at the next safe point)
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

/** The operator signals by action name, as the CLI's commands and `temporal workflow signal --name` spell them. */
export const OperatorSignal = {
  deprovision: deprovisionSignal,
  reboot: rebootSignal,
  powerOn: powerOnSignal,
  powerOff: powerOffSignal,
  inspect: inspectSignal,
  retry: retrySignal,
  detach: detachSignal,
  attach: attachSignal,
  pause: pauseSignal,
  resume: resumeSignal,
  delete: deleteSignal,
} as const;

// ---- signals from the boot services (the agent protocol), never from operators
/** Sent once per agent boot session, when its first heartbeat arrives (shape: boot/agent-sessions.ts). */
export type AgentHeartbeatArg = SessionHeartbeat;
export const agentHeartbeatSignal = defineSignal<[AgentHeartbeatArg]>('agentHeartbeat');
/** Sent once per inspection session with the bounded projection of the agent's inventory. */
export type AgentInspectionArg = SessionInspection;
export const agentInspectionSignal = defineSignal<[AgentInspectionArg]>('agentInspection');

// ---- signals from the host worker's power watch (bmc/power-watch.ts), never from operators
/**
 * The watched BMC's power differs from the host's status, could not be read, or a host worker
 * started without the host's watch (`rewatch`): the host reads the power itself and registers again.
 */
export type { PowerReport };
export type PowerDriftArg = PowerReport | { kind: 'rewatch' };
export const powerDriftSignal = defineSignal<[PowerDriftArg]>('powerDrift');

// ---- updates
export interface ApplySpecResult {
  generation: number;
  changed: boolean;
}
/** Replaces the host definition; the validator rejects invalid specs with field and reason. */
export const applySpecUpdate = defineUpdate<ApplySpecResult, [HostDefinition]>('applySpec');

/** `metalflow annotate`: kubectl annotate's edits (`key=value`, `key-`), checked like an apply. */
export interface AnnotateArg {
  edits: AnnotationEdit[];
  /** Replace keys that already have a value (kubectl --overwrite). */
  overwrite: boolean;
}
export const annotateUpdate = defineUpdate<ApplySpecResult, [AnnotateArg]>('annotate');

// ---- queries
export const statusQuery = defineQuery<BareMetalHostStatus>('status');

export interface HostView {
  name: string;
  namespace: string;
  generation: number;
  createdAt: string;
  spec: BareMetalHost['spec'];
  annotations: Record<string, string>;
  labels: Record<string, string>;
  status: BareMetalHostStatus;
  paused: boolean;
  /** What paused it: the baremetalhost.metal3.io/paused annotation, the `pause` signal, or both. */
  pausedBy?: Array<'annotation' | 'signal'>;
  /** What BMO would publish as events (annotations consumed or ignored), newest last. */
  notes?: string[];
  detached: boolean;
  deleting: boolean;
  /** When the current error backoff ends (ISO time), if the host is backing off. */
  nextRetryAt?: string;
  /** What the workflow is doing now, e.g. `inspectHardware` or `waiting (power sync)`. */
  currentStep: string;
  /** The workflow's host uid (metadata.uid in `get -o yaml`). */
  uid: string;
  /** The sealed Secrets the definition holds, by field: names and keys only, so a re-apply may name them without sending them. */
  secretRefs: Partial<Record<SecretPurpose, { name: string; keys: string[] }>>;
  /** Its HostFirmwareSettings/HostFirmwareComponents/HostUpdatePolicy specs, if applied. */
  firmware?: HostFirmwareSpec;
}
export const hostQuery = defineQuery<HostView>('host');
