/**
 * The host workflow's handlers for signals, the `applySpec` update and queries. They only record
 * intent on the run and wake its loop, which acts at the next safe point: handlers never race
 * with activities.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  agentHeartbeatSignal,
  agentInspectionSignal,
  applySpecUpdate,
  attachSignal,
  deleteSignal,
  deprovisionSignal,
  detachSignal,
  hostQuery,
  inspectSignal,
  pauseSignal,
  powerOffSignal,
  powerOnSignal,
  rebootSignal,
  resumeSignal,
  retrySignal,
  statusQuery,
  type HostDefinition,
  type HostView,
} from '../contract/index.js';
import { FailureType } from '../errors.js';
import { retryLimitReached } from './desired-event.js';
import type { HostRun } from './host-run.js';
import { validateDefinition } from '../api/change-rules.js';
import { definitionFingerprint, withKeptSecrets } from './spec-rules.js';

export function installHandlers(host: HostRun): void {
  const { status, flags } = host;
  setHandler(statusQuery, () => status);
  setHandler(hostQuery, (): HostView => ({
    name: host.def.host.metadata.name,
    namespace: host.def.host.metadata.namespace,
    generation: host.generation,
    createdAt: host.createdAt,
    spec: host.spec,
    annotations: host.annotations,
    labels: host.def.host.metadata.labels ?? {},
    status,
    paused: flags.paused,
    detached: flags.detached,
    deleting: flags.deleting,
    ...(host.retryAt !== undefined ? { nextRetryAt: new Date(host.retryAt).toISOString() } : {}),
    currentStep: host.currentStep,
    uid: host.uid,
    secretRefs: Object.fromEntries(Object.entries(host.def.secrets).filter(([, v]) => v !== undefined).map(([k, v]) => [k, { name: v.name, keys: v.keys }])),
    ...(host.def.firmware ? { firmware: host.def.firmware } : {}),
  }));
  setHandler(
    applySpecUpdate,
    (sent) => {
      const next = withKeptSecrets(sent, host.def);
      // Sealing is randomised: compare Secret versions, not ciphertexts, so re-applying is a no-op.
      if (definitionFingerprint(next) === definitionFingerprint(host.def)) return { generation: host.generation, changed: false };
      host.def = next;
      host.generation += 1;
      host.cutBackoff();
      return { generation: host.generation, changed: true };
    },
    {
      validator: (sent) => {
        const next = withKeptSecrets(sent, host.def);
        if (flags.deleting) throw ApplicationFailure.nonRetryable('host is being deleted; wait for deletion to finish before applying it again', FailureType.HostDeleting);
        const errors = validateDefinition(next, host.def.host, { state: host.state(), detached: flags.detached });
        if (errors.length > 0) {
          throw ApplicationFailure.nonRetryable(errors.map((e) => `${e.field}: ${e.reason}`).join('; '), FailureType.InvalidSpec, errors);
        }
      },
    },
  );

  // Like `kubectl patch`: these signals edit the desired spec, as a Metal3 user would.
  const editSpec = (edit: (spec: HostDefinition['host']['spec']) => void): void => {
    const spec = JSON.parse(JSON.stringify(host.spec)) as HostDefinition['host']['spec']; // no structuredClone in the sandbox
    edit(spec);
    if (JSON.stringify(spec) === JSON.stringify(host.spec)) return;
    host.def = { ...host.def, host: { ...host.def.host, spec } };
    host.generation += 1;
    host.cutBackoff();
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
  setHandler(attachSignal, () => {
    delete flags.detachRequest;
    if (flags.detached) {
      flags.detached = false;
      flags.reregister = true; // BMO re-adopts the node when the detached annotation goes away
    }
    host.cutBackoff();
  });
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
    host.wake();
  });
}
