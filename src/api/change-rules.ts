/**
 * Whether a new definition of an existing host may be applied: the manifest rules (shared with
 * the CLI) plus BMO's rules about what may change on an existing host. Pure: the CLI checks it
 * before sending, and the workflow's `applySpec` validator checks it again.
 */
import type { BareMetalHost, ProvisioningState } from './types.js';
import { ProvisioningState as S } from './types.js';
import { validateBareMetalHost, type FieldError } from './validate-host.js';
import { validateFirmwarePart } from './firmware-manifest.js';

/** A referenced Secret as the rules see it: its name and keys, never its values. */
interface SecretRef {
  name: string;
  keys: readonly string[];
}

/** A host definition as applied: the manifest, and its referenced Secrets (SecretRef values) by field. */
export interface DefinitionToCheck {
  host: BareMetalHost;
  secrets: object;
  /** The HostFirmwareSettings/Components/UpdatePolicy part (HostFirmwareSpec), checked as the documents are. */
  firmware?: unknown;
}

export function validateDefinition(
  next: DefinitionToCheck,
  current: Pick<BareMetalHost, 'metadata' | 'spec'>,
  ctx: { state: ProvisioningState; detached: boolean },
): FieldError[] {
  const errors: FieldError[] = [];
  const secrets = new Map<string, ReadonlySet<string>>();
  for (const sealed of Object.values(next.secrets) as (SecretRef | undefined)[]) if (sealed) secrets.set(sealed.name, new Set(sealed.keys));
  errors.push(...validateBareMetalHost(next.host as unknown as Record<string, unknown>, { secrets }));
  validateFirmwarePart(next.firmware, errors);

  const was = current;
  const is = next.host;
  if (is.metadata.name !== was.metadata.name || is.metadata.namespace !== was.metadata.namespace) {
    errors.push({ field: 'metadata.name', reason: `this workflow manages ${was.metadata.namespace}/${was.metadata.name}` });
  }
  const oldAddress = was.spec.bmc?.address;
  if (oldAddress && is.spec.bmc?.address !== oldAddress && ctx.state !== S.Registering && !ctx.detached) {
    errors.push({ field: 'spec.bmc.address', reason: 'BMC address can not be changed if the BMH is not in the Registering state, or if the BMH is not detached' });
  }
  const oldMac = was.spec.bootMACAddress;
  if (oldMac && is.spec.bootMACAddress?.toLowerCase() !== oldMac.toLowerCase()) {
    errors.push({ field: 'spec.bootMACAddress', reason: 'bootMACAddress can not be changed once it is set' });
  }
  if (!was.spec.externallyProvisioned && is.spec.externallyProvisioned === true && ctx.state !== S.Available) {
    errors.push({ field: 'spec.externallyProvisioned', reason: `externallyProvisioned can only be enabled when in Available state, currently in ${ctx.state}` });
  }
  return errors;
}
