/**
 * The host workflow's handlers for signals, the `applySpec` update and queries. They only record
 * intent on the run and wake its loop, which acts at the next safe point: handlers never race
 * with activities.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  agentHeartbeatSignal,
  agentInspectionSignal,
  annotateUpdate,
  applySpecUpdate,
  attachSignal,
  deleteSignal,
  deprovisionSignal,
  detachSignal,
  hostQuery,
  inspectSignal,
  pauseSignal,
  powerOffSignal,
  powerDriftSignal,
  powerOnSignal,
  rebootSignal,
  resumeSignal,
  retrySignal,
  slotFreeSignal,
  statusQuery,
  type HostDefinition,
  type HostView,
} from '../contract/index.js';
import { FailureType } from '../errors.js';
import { retryLimitReached } from './desired-event.js';
import type { HostRun } from './host-run.js';
import { validateDefinition } from '../api/change-rules.js';
import { Annotation, applyAnnotationEdits, pausedByAnnotation } from '../api/annotations.js';
import { ProvisioningState as S } from '../api/types.js';
import { definitionFingerprint, withKeptSecrets } from './spec-rules.js';
import { StateTrait, stateIs } from './state-machine.js';

export function installHandlers(host: HostRun): void {
  const { status, flags } = host;
  setHandler(statusQuery, () => status);
  setHandler(slotFreeSignal, () => host.wake()); // the provisioning semaphore: a slot is free, ask again
  setHandler(hostQuery, (): HostView => ({
    name: host.def.host.metadata.name,
    namespace: host.def.host.metadata.namespace,
    generation: host.generation,
    createdAt: host.createdAt,
    spec: host.spec,
    annotations: host.annotations,
    labels: host.def.host.metadata.labels ?? {},
    status,
    paused: flags.paused || pausedByAnnotation(host.annotations),
    ...(flags.paused || pausedByAnnotation(host.annotations) ? { pausedBy: [...(pausedByAnnotation(host.annotations) ? ['annotation' as const] : []), ...(flags.paused ? ['signal' as const] : [])] } : {}),
    ...(host.notes.length > 0 ? { notes: [...host.notes] } : {}),
    detached: flags.detached,
    deleting: flags.deleting,
    ...(host.retryAt !== undefined ? { nextRetryAt: new Date(host.retryAt).toISOString() } : {}),
    currentStep: host.currentStep,
    uid: host.uid,
    secretRefs: Object.fromEntries(Object.entries(host.def.secrets).filter(([, v]) => v !== undefined).map(([k, v]) => [k, { name: v.name, keys: v.keys }])),
    ...(host.def.firmware ? { firmware: host.def.firmware } : {}),
  }));
  const attach = (): void => {
    delete flags.detachRequest;
    if (flags.detached) {
      flags.detached = false;
      flags.reregister = true; // BMO re-adopts the node when the detached annotation goes away
    }
    host.cutBackoff();
  };
  const rejectInvalid = (next: HostDefinition): void => {
    const errors = validateDefinition(next, host.def.host, { state: host.state(), detached: flags.detached });
    if (errors.length > 0) {
      throw ApplicationFailure.nonRetryable(errors.map((e) => `${e.field}: ${e.reason}`).join('; '), FailureType.InvalidSpec, errors);
    }
  };
  /** Takes a new definition (apply or annotate); its annotations are read from it from now on. */
  const accept = (given: HostDefinition): { generation: number; changed: boolean } => {
    const kept = withKeptSecrets(given, host.def);
    const next = withoutStatusAnnotation(kept);
    if (next !== kept && host.state() !== S.None) host.note(`${Annotation.status} annotation ignored: the host already has a status`);
    // Sealing is randomised: compare Secret versions, not ciphertexts, so re-applying is a no-op.
    if (definitionFingerprint(next) === definitionFingerprint(withoutStatusAnnotation(host.def))) return { generation: host.generation, changed: false };
    const wasDetachedByAnnotation = Annotation.detached in host.annotations;
    host.def = next;
    host.generation += 1;
    if (wasDetachedByAnnotation && !(Annotation.detached in host.annotations) && !flags.detachRequest) attach();
    host.cutBackoff();
    host.publishMemo(); // labels, consumer, online, image: what `get` shows of the spec
    return { generation: host.generation, changed: true };
  };
  setHandler(applySpecUpdate, accept, {
    validator: (next) => {
      if (flags.deleting) throw ApplicationFailure.nonRetryable('host is being deleted; wait for deletion to finish before applying it again', FailureType.HostDeleting);
      rejectInvalid(withKeptSecrets(next, host.def));
    },
  });
  // Annotations stay editable while the host is deleted, as on a Kubernetes object with a finalizer
  // (removing the detached annotation of a host whose deleteAction is `delay` lets the deletion go on).
  const annotated = (arg: { edits: Parameters<typeof applyAnnotationEdits>[1]; overwrite: boolean }): HostDefinition => {
    const annotations = applyAnnotationEdits(host.annotations, arg.edits, arg.overwrite);
    return { ...host.def, host: { ...host.def.host, metadata: { ...host.def.host.metadata, annotations } } };
  };
  setHandler(annotateUpdate, (arg) => accept(annotated(arg)), {
    validator: (arg) => {
      let next: HostDefinition;
      try {
        next = annotated(arg);
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, FailureType.InvalidSpec);
      }
      rejectInvalid(next);
    },
  });

  // Like `kubectl patch`: these signals edit the desired spec, as a Metal3 user would.
  const editSpec = (edit: (spec: HostDefinition['host']['spec']) => void): void => {
    const spec = JSON.parse(JSON.stringify(host.spec)) as HostDefinition['host']['spec']; // no structuredClone in the sandbox
    edit(spec);
    if (JSON.stringify(spec) === JSON.stringify(host.spec)) return;
    host.def = { ...host.def, host: { ...host.def.host, spec } };
    host.generation += 1;
    host.cutBackoff();
    host.publishMemo();
  };
  setHandler(deprovisionSignal, () => editSpec((s) => {
    delete s.image;
    delete s.customDeploy;
  }));
  setHandler(powerOnSignal, () => editSpec((s) => void (s.online = true)));
  setHandler(powerOffSignal, () => editSpec((s) => void (s.online = false)));

  // Operator intent the loop acts on.
  setHandler(rebootSignal, (arg) => {
    flags.rebootRequested = arg?.mode ?? 'soft';
    flags.rebootRequests = (flags.rebootRequests ?? 0) + 1;
    host.publishMemo(); // `reboot --wait` sees the request counted, then no longer pending
    host.wake();
  });
  setHandler(inspectSignal, () => {
    flags.inspectRequested = true;
    host.wake();
  });
  setHandler(retrySignal, () => {
    if (retryLimitReached({ spec: host.spec, status, maxProvisioningRetries: host.settings.maxProvisioningRetries })) {
      status.provisioningFailCount = 0;
    }
    host.cutBackoff();
  });
  setHandler(detachSignal, (arg) => {
    flags.detachRequest = { force: arg?.force ?? false, deleteAction: arg?.deleteAction ?? 'delete' };
    host.wake();
  });
  setHandler(attachSignal, attach);
  setHandler(pauseSignal, () => {
    flags.paused = true;
    host.wake();
  });
  setHandler(resumeSignal, () => {
    flags.paused = false;
    host.wake();
  });
  setHandler(deleteSignal, () => {
    flags.deleting = true;
    host.cutBackoff();
  });

  // The host worker's power watch: the host reads the power itself (the report is only a hint).
  setHandler(powerDriftSignal, () => {
    host.idle.reported = true;
    if (stateIs(host.state(), StateTrait.powerManaged)) host.wakeByDrift(); // wakes the idle wait only (HostRun.wakeCount)
  });

  // The agent protocol: signals from the boot services, for the current agent session only.
  const { agent } = host;
  setHandler(agentHeartbeatSignal, (arg) => {
    if (arg.session !== agent.session) return; // a late heartbeat from an earlier boot
    agent.callbackUrl = arg.callbackUrl;
    host.wake();
  });
  setHandler(agentInspectionSignal, (arg) => {
    if (arg.session !== agent.session) return;
    agent.hardware = arg.hardware;
    agent.inspectionError = arg.error;
    agent.sessionEnded = arg.sessionEnds === true;
    host.wake();
  });
}

/**
 * The status annotation only matters when a host is created (adoption); on an existing host BMO
 * drops it because the host has a status. It is never kept in the definition.
 */
function withoutStatusAnnotation(def: HostDefinition): HostDefinition {
  const annotations = def.host.metadata.annotations;
  if (!annotations || !(Annotation.status in annotations)) return def;
  const rest = Object.fromEntries(Object.entries(annotations).filter(([k]) => k !== Annotation.status));
  return { ...def, host: { ...def.host, metadata: { ...def.host.metadata, annotations: rest } } };
}
