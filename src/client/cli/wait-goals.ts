/**
 * What `--wait` waits for after each verb: a predicate over the host as visibility shows it
 * (search attributes and the BmhView memo: no query), given the host from before the request. A
 * new error (one that was not there before, or a higher error count) ends the wait as a failure,
 * as the requested change did not happen.
 */
import { OperationalStatus, ProvisioningState as S, type BareMetalHostSpec } from '../../api/types.js';
import type { HostSummary } from '../../contract/index.js';
import { HostFailedError } from '../errors.js';

export interface WaitGoal {
  /** Printed once met: `baremetalhost.metal3.io/NAME condition met (WHAT)`. */
  what: string;
  met(v: HostSummary): boolean;
}

/** The stable state `apply` leads to for this spec (BMO: provisioned with an image, else available). */
export function applyTarget(spec: BareMetalHostSpec): string {
  if (spec.image?.url || spec.customDeploy?.method) return S.Provisioned;
  if (spec.externallyProvisioned) return S.ExternallyProvisioned;
  if (!spec.bmc?.address) return S.Unmanaged;
  return S.Available;
}

function failOnNewError(before: HostSummary, v: HostSummary): void {
  if (!v.errorType) return;
  if (!before.errorType || v.errorCount > before.errorCount) throw new HostFailedError(v.name, v.errorType, v.errorMessage);
}

const goal = (what: string, before: HostSummary, met: (v: HostSummary) => boolean): WaitGoal => ({
  what,
  met: (v) => {
    failOnNewError(before, v);
    return met(v);
  },
});

export type WaitVerb = 'apply' | 'deprovision' | 'inspect' | 'power on' | 'power off' | 'reboot' | 'detach' | 'attach' | 'retry';

/**
 * `before`: the host as seen right before the request (apply: right after it was accepted, with
 * `spec` the spec applied).
 */
export function waitGoal(verb: WaitVerb, before: HostSummary, spec?: BareMetalHostSpec): WaitGoal {
  switch (verb) {
    case 'apply': {
      const target = spec ? applyTarget(spec) : before.state;
      return goal(`state=${target}`, before, (v) => {
        if (v.state !== target) return false;
        // Provisioned with the image this spec asks for, not the one before a change of image.
        return target !== S.Provisioned || !v.image || v.provisionedImage === v.image;
      });
    }
    case 'deprovision':
      return goal(`state=${S.Available}`, before, (v) => v.state === S.Available);
    case 'inspect':
      return goal('inspected', before, (v) => v.inspectedAt !== before.inspectedAt && v.state === S.Available);
    case 'power on':
    case 'power off': {
      const on = verb === 'power on';
      return goal(`poweredOn=${on}`, before, (v) => v.poweredOn === on);
    }
    case 'reboot':
      // Met once the workflow counted the request and carried it out, and the host is on.
      return goal('rebooted', before, (v) => v.rebootRequests > before.rebootRequests && !v.rebootPending && v.poweredOn);
    case 'detach':
      return goal(`operationalStatus=${OperationalStatus.Detached}`, before, (v) => v.operationalStatus === OperationalStatus.Detached);
    case 'attach':
      return goal(`operationalStatus=${OperationalStatus.OK}`, before, (v) => v.operationalStatus === OperationalStatus.OK && !v.detached);
    case 'retry':
      return goal('errorType=', before, (v) => v.errorType === '');
  }
}
