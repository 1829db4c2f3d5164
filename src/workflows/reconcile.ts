/**
 * One round of the host loop, in BMO's reconcile order: pause, history size, detach, registration,
 * the operator's desired spec, and only then the current state's handler. Each rule either acts
 * (ending the round) or lets the next one look.
 */
import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import { Annotation, detachArguments, parseHardwareDetails, pausedByAnnotation } from '../api/annotations.js';
import { ErrorType, ProvisioningState as S } from '../api/types.js';
import type { HostWorkflowInput } from '../contract/index.js';
import { desiredEvent, sameImage } from './desired-event.js';
import { HANDLERS } from './handlers/index.js';
import { dropWatch } from './idle-power.js';
import type { HostRun } from './host-run.js';
import { HostEvent, StateTrait, stateIs } from './state-machine.js';

/** Returns true when it acted: the round ends there. */
type ReconcileRule = (host: HostRun) => Promise<boolean>;

const RULES: readonly ReconcileRule[] = [whilePaused, continueAsNewWhenLong, hardwareDetails, detached, reregistration, desire];

export async function reconcile(host: HostRun): Promise<void> {
  for (const rule of RULES) if (await rule(host)) return;
  await HANDLERS[host.state()](host);
}

/** Paused (baremetalhost.metal3.io/paused, any value, or the `pause` signal): nothing happens until both are gone. */
async function whilePaused(host: HostRun): Promise<boolean> {
  const byAnnotation = host.acts(pausedByAnnotation(host.annotations));
  if (!host.flags.paused && !byAnnotation) return false;
  host.currentStep = 'paused';
  await condition(() => !host.flags.paused && !(byAnnotation && pausedByAnnotation(host.annotations)));
  return true;
}

/**
 * inspect.metal3.io/hardwaredetails (BMO updateHardwareDetails): taken into status.hardware when
 * inspection is disabled or no hardware is known yet, and removed from the definition either way.
 */
async function hardwareDetails(host: HostRun): Promise<boolean> {
  const value = host.annotations[Annotation.hardwareDetails];
  if (!host.acts(value !== undefined)) return false;
  const { status } = host;
  if (value && (host.inspectionDisabled() || !status.hardware)) {
    try {
      status.hardware = parseHardwareDetails(value);
      host.note('Set HardwareDetails from annotation');
    } catch (err) {
      host.note((err as Error).message); // applied before the rule existed; apply validates it now
    }
  } else if (value) {
    host.note('HardwareDetails annotation ignored, status already set and inspection is not disabled');
  }
  host.removeAnnotations([Annotation.hardwareDetails]);
  host.publish();
  return false;
}

async function continueAsNewWhenLong(host: HostRun): Promise<boolean> {
  const info = workflowInfo();
  if (!info.continueAsNewSuggested && info.historyLength < host.settings.maxHistoryEvents) return false;
  host.currentStep = 'continuing as new';
  await condition(allHandlersFinished);
  const input: HostWorkflowInput = { definition: host.def, carried: host.carried() };
  return continueAsNew<(input: HostWorkflowInput) => Promise<void>>(input);
}

/**
 * Detach (baremetalhost.metal3.io/detached, or the `detach` signal): honoured in detachable states,
 * anywhere with force. A deleted host with the annotation is deleted as it is even before it
 * is detached (BMO #3213), unless its deleteAction is `delay`.
 */
async function detached(host: HostRun): Promise<boolean> {
  const { flags } = host;
  const byAnnotation = host.acts(Annotation.detached in host.annotations) ? detachArguments(host.annotations) : undefined;
  if (byAnnotation?.note) host.note(byAnnotation.note);
  const request = flags.detachRequest ?? byAnnotation?.args;
  if (request && !flags.detached && (request.force || stateIs(host.state(), StateTrait.detachable))) {
    flags.detached = true;
    host.publish();
  }
  if (flags.deleting && !flags.detached && byAnnotation && request?.deleteAction !== 'delay' && host.state() !== S.Deleting) {
    await host.advance(HostEvent.Delete);
    return false;
  }
  if (!flags.detached) return false;
  if (flags.deleting && request?.deleteAction !== 'delay') {
    await host.advance(HostEvent.Delete); // deleted as it is; the deleting handler runs next
    return false;
  }
  await dropWatch(host);
  host.currentStep = 'detached';
  await host.sleep();
  return true;
}

/** Re-registration without a state change when the address or credentials changed (BMO ensureRegistered). */
async function reregistration(host: HostRun): Promise<boolean> {
  const s = host.state();
  const badRegistration = host.status.errorType === ErrorType.Registration || host.status.errorType === ErrorType.ProvisionedRegistration;
  if (!stateIs(s, StateTrait.reregisters) || !(host.flags.reregister || host.registeredAs !== host.registrationIdentity() || badRegistration)) return false;
  const ok = await host.register(s === S.Provisioned || s === S.ExternallyProvisioned ? ErrorType.ProvisionedRegistration : ErrorType.Registration);
  if (!ok) await host.waitBackoff();
  return true;
}

/** What the desired spec asks (image, deprovision, inspect, adopt, delete...), with its bookkeeping. */
async function desire(host: HostRun): Promise<boolean> {
  host.memoiseAvailable();
  const event = desiredEvent(host.desireInput());
  if (!event) return false;
  const { status } = host;
  if (event === HostEvent.Provision) {
    await host.waitBackoff(); // a failed provisioning attempt backs off before the next one
    if (desiredEvent(host.desireInput()) !== HostEvent.Provision) return true;
    if (!sameImage(host.spec.image, status.lastAttemptedImage)) status.provisioningFailCount = 0;
  }
  const image = host.spec.image;
  if (!(await host.advance(event))) return true;
  if (event === HostEvent.Provision) status.lastAttemptedImage = image;
  if (event === HostEvent.Inspect) host.flags.inspectRequested = false;
  if (event === HostEvent.Unadopt && image) status.provisioning.image = image;
  return true;
}
