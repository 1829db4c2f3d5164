/**
 * reboot.metal3.io and reboot.metal3.io/<key> in the stable states (BMO manageHostPower): while
 * any is present the host's desired power is off; once it is off the base annotation is removed,
 * so power follows spec.online again (a reboot), while keyed ones hold it off until all are
 * removed (CAPM3 remediation, phased reboots). Outside provisioned states only `force` counts.
 */
import { Annotation, isRebootAnnotation, rebootRequest } from '../api/annotations.js';
import { ErrorType, ProvisioningState as S } from '../api/types.js';
import type { HostRun } from './host-run.js';

/** BMO's prefix for a failed soft power off (baremetalhost_controller.go clarifySoftPoweroffFailure). */
export const CLARIFY_SOFT_POWEROFF_FAILURE = 'Continuing with hard poweroff after soft poweroff fails. More details: ';

/** `acted`: a step ran (the round ends); `held`: the host is off and must stay off; undefined: no reboot annotation counts. */
export type RebootOutcome = 'acted' | 'held' | undefined;

export async function rebootByAnnotation(host: HostRun): Promise<RebootOutcome> {
  const { status, flags } = host;
  const annotations = host.annotations;
  const present = Object.keys(annotations).some(isRebootAnnotation);
  if (!present) {
    delete flags.rebootedFor;
    return undefined;
  }
  if (!host.acts(present)) return undefined;
  if (!status.poweredOn && Annotation.reboot in annotations) {
    host.removeAnnotations([Annotation.reboot]); // it has powered the host off: its job is done
    host.publish();
    return 'acted';
  }
  const s = host.state();
  const request = rebootRequest(annotations, !(s === S.Provisioned || s === S.ExternallyProvisioned));
  for (const n of request?.notes ?? []) host.note(n);
  if (!request) return undefined;
  // A host in error is powered off hard (BMO: ErrorCount > 0).
  const mode = request.mode === 'hard' || status.errorCount > 0 ? 'hard' : 'soft';
  if (host.powerOffDisabled()) {
    // Never off: one reboot answers the annotations present (BMO removes the base one right after).
    const answered = request.keys.join(',');
    if (flags.rebootedFor === answered) return undefined;
    const r = await host.step('rebootHost', ErrorType.PowerManagement, () => host.bmc('rebootHost').rebootHost({ target: host.target(), opId: host.opId(`reboot-annotation-${mode}`), mode }));
    if (!r.ok) {
      await host.waitBackoff();
      return 'acted';
    }
    flags.rebootedFor = answered;
    status.poweredOn = true;
    host.removeAnnotations([Annotation.reboot]);
    host.publish();
    return 'acted';
  }
  if (status.poweredOn) {
    const hadPowerError = status.errorType === ErrorType.PowerManagement;
    const r = await host.step('setPowerState', ErrorType.PowerManagement, () =>
      host.bmc('setPowerState').setPowerState({ target: host.target(), opId: host.opId(`power-off-reboot-${mode}`), on: false, force: mode === 'hard' }),
    );
    if (!r.ok) {
      // The next attempt is hard (errorCount > 0): say so, as BMO does.
      if (mode === 'soft' && !hadPowerError && !r.interrupted) status.errorMessage = CLARIFY_SOFT_POWEROFF_FAILURE + status.errorMessage;
      await host.waitBackoff();
      return 'acted';
    }
    status.poweredOn = false;
    host.publish();
    return 'acted';
  }
  host.currentStep = `held powered off by ${request.keys.join(', ')}`;
  return 'held';
}
