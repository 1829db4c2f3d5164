/**
 * What `--wait` waits for after each verb: a predicate over the host's view, given the view from
 * before the request. A new error (one that was not there before, or a higher error count) ends
 * the wait as a failure, as the requested change did not happen.
 */
import { OperationalStatus, ProvisioningState as S } from '../../api/types.js';
import type { HostView } from '../../contract/index.js';
import { HostFailedError } from '../errors.js';

export interface WaitGoal {
  /** Printed once met: `baremetalhost.metal3.io/NAME condition met (WHAT)`. */
  what: string;
  met(v: HostView): boolean;
}

/** The stable state `apply` leads to for this spec (BMO: provisioned with an image, else available). */
export function applyTarget(spec: HostView['spec']): string {
  if (spec.image?.url || spec.customDeploy?.method) return S.Provisioned;
  if (spec.externallyProvisioned) return S.ExternallyProvisioned;
  if (!spec.bmc?.address) return S.Unmanaged;
  return S.Available;
}

function failOnNewError(before: HostView, v: HostView): void {
  const s = v.status;
  if (!s.errorType) return;
  const old = before.status;
  if (!old.errorType || s.errorCount > old.errorCount) throw new HostFailedError(v.name, s.errorType, s.errorMessage);
}

const goal = (what: string, before: HostView, met: (v: HostView) => boolean): WaitGoal => ({
  what,
  met: (v) => {
    failOnNewError(before, v);
    return met(v);
  },
});

export type WaitVerb = 'apply' | 'deprovision' | 'inspect' | 'power on' | 'power off' | 'reboot' | 'detach' | 'attach' | 'retry';

/** Power steps of a reboot: while one runs, or the host is seen off, the reboot is under way. */
const REBOOT_STEPS = new Set(['rebootHost', 'setPowerState']);

/** `before`: the host as seen right after the request was accepted (apply: its spec is the applied one). */
export function waitGoal(verb: WaitVerb, before: HostView): WaitGoal {
  switch (verb) {
    case 'apply': {
      const target = applyTarget(before.spec);
      return goal(`state=${target}`, before, (v) => {
        if (v.status.provisioning.state !== target) return false;
        // Provisioned with the image this spec asks for, not the one before a change of image.
        return target !== S.Provisioned || !v.spec.image || v.status.provisioning.image?.url === v.spec.image.url;
      });
    }
    case 'deprovision':
      return goal(`state=${S.Available}`, before, (v) => v.status.provisioning.state === S.Available);
    case 'inspect': {
      const lastEnd = before.status.operationHistory.inspect.end;
      return goal('inspected', before, (v) => v.status.operationHistory.inspect.end !== lastEnd && v.status.provisioning.state === S.Available);
    }
    case 'power on':
    case 'power off': {
      const on = verb === 'power on';
      return goal(`poweredOn=${on}`, before, (v) => v.status.poweredOn === on);
    }
    case 'reboot': {
      // Met once the reboot was seen under way (a power step, off, or a status published since the
      // request: a fast reboot can finish between two polls) and the host is on and idle again.
      let started = false;
      return goal('rebooted', before, (v) => {
        const busy = REBOOT_STEPS.has(v.currentStep);
        if (busy || !v.status.poweredOn || v.status.lastUpdated !== before.status.lastUpdated) started = true;
        return started && !busy && v.status.poweredOn;
      });
    }
    case 'detach':
      return goal(`operationalStatus=${OperationalStatus.Detached}`, before, (v) => v.status.operationalStatus === OperationalStatus.Detached);
    case 'attach':
      return goal(`operationalStatus=${OperationalStatus.OK}`, before, (v) => v.status.operationalStatus === OperationalStatus.OK && !v.detached);
    case 'retry':
      return goal('errorType=', before, (v) => v.status.errorType === '');
  }
}
