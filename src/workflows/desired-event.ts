/**
 * What the operator's desired spec asks of a host in its current state: the event to feed the
 * transition table next, if any. Pure, so every rule is unit-tested without Temporal.
 */
import { sameImage } from '../api/imported-status.js';
import { ProvisioningState as S, type BareMetalHostSpec, type BareMetalHostStatus, type ProvisioningState, type RootDeviceHints } from '../api/types.js';
import { raidChanged } from '../api/raid.js';
import { HostEvent, StateTrait, stateIs } from './state-machine.js';

export interface DesireInput {
  state: ProvisioningState;
  spec: BareMetalHostSpec;
  status: Pick<BareMetalHostStatus, 'provisioning' | 'provisioningFailCount' | 'lastAttemptedImage'>;
  deleting: boolean;
  inspectRequested: boolean;
  maxProvisioningRetries: number;
  /** HostFirmwareSettings/HostFirmwareComponents ask for work its status does not show done. */
  firmwarePending?: boolean;
  /**
   * The run is past the prepare-on-change patch (HostRun.prepareOnChange, memoised outside any
   * condition predicate): only then does a changed RAID/root device hints or pending firmware
   * work send an available host back to preparing. Runs before it ignored them in available.
   */
  prepareOnChange?: boolean;
}

export { sameImage };

/** Image or customDeploy requested (BMO NeedsProvisioning, minus `online`). */
export function wantsImage(spec: BareMetalHostSpec): boolean {
  return Boolean(spec.image?.url) || Boolean(spec.customDeploy?.method);
}

/** BMO --max-provisioning-retries: the same image failed too often; needs a new image or `retry`. */
export function retryLimitReached(input: Pick<DesireInput, 'spec' | 'status' | 'maxProvisioningRetries'>): boolean {
  const { spec, status, maxProvisioningRetries: limit } = input;
  return limit > 0 && status.provisioningFailCount >= limit && sameImage(spec.image, status.lastAttemptedImage);
}

export function retryLimitMessage(failCount: number, limit: number): string {
  return `provisioning failed ${failCount} times, retry limit (${limit}) reached; change image or signal retry to try again`;
}

/** Hints compared by content: key order and an empty object do not count as a change. */
function sameHints(a: RootDeviceHints | undefined, b: RootDeviceHints | undefined): boolean {
  const canon = (h: RootDeviceHints | undefined): string => JSON.stringify(Object.entries(h ?? {}).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)));
  return canon(a) === canon(b);
}

/** BMO getHostProvisioningSettings "dirty": the RAID to configure or the root device hints differ from what preparing applied. */
export function preparationChanged(spec: BareMetalHostSpec, status: Pick<BareMetalHostStatus, 'provisioning'>): boolean {
  return raidChanged(spec.raid, status.provisioning.raid) || !sameHints(spec.rootDeviceHints, status.provisioning.rootDeviceHints);
}

export function desiredEvent(input: DesireInput): HostEvent | undefined {
  const { state, spec, status } = input;
  if (input.deleting && stateIs(state, StateTrait.deletable)) return HostEvent.Delete;
  switch (state) {
    case S.Unmanaged:
      return spec.bmc?.address ? HostEvent.Manage : undefined;
    case S.Available:
      if (spec.externallyProvisioned) return HostEvent.Adopt;
      if (input.inspectRequested) return HostEvent.Inspect;
      if (input.prepareOnChange === true && (preparationChanged(spec, status) || input.firmwarePending === true)) return HostEvent.Prepare;
      if (wantsImage(spec) && spec.online && !retryLimitReached(input)) return HostEvent.Provision;
      return undefined;
    case S.Provisioning:
      // Cancelled: image removed or replaced while deploying.
      return sameImage(spec.image, status.lastAttemptedImage) ? undefined : HostEvent.Deprovision;
    case S.Provisioned:
      return wantsImage(spec) && sameImage(spec.image, status.provisioning.image) ? undefined : HostEvent.Deprovision;
    case S.ExternallyProvisioned:
      return spec.externallyProvisioned ? undefined : HostEvent.Unadopt;
    default:
      return undefined;
  }
}
