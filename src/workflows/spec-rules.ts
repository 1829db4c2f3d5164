/**
 * The `applySpec` validator: the manifest rules (shared with the CLI) plus BMO's rules about what
 * may change on an existing host. Pure, runs inside the workflow sandbox.
 */
import type { BareMetalHost, ProvisioningState } from '../api/types.js';
import { ProvisioningState as S } from '../api/types.js';
import { validateBareMetalHost, type FieldError } from '../api/validate-host.js';
import type { HostDefinition } from '../contract/index.js';

export function validateDefinition(
  next: HostDefinition,
  current: Pick<BareMetalHost, 'metadata' | 'spec'>,
  ctx: { state: ProvisioningState; detached: boolean },
): FieldError[] {
  const errors: FieldError[] = [];
  const secrets = new Map<string, ReadonlySet<string>>();
  for (const sealed of Object.values(next.secrets)) if (sealed) secrets.set(sealed.name, new Set(sealed.keys));
  errors.push(...validateBareMetalHost(next.host as unknown as Record<string, unknown>, { secrets }));

  const was = current;
  const is = next.host;
  if (is.metadata.name !== was.metadata.name || is.metadata.namespace !== was.metadata.namespace) {
    errors.push({ field: 'metadata.name', reason: `this workflow manages ${was.metadata.namespace}/${was.metadata.name}` });
  }
  const oldAddress = was.spec.bmc?.address;
  if (oldAddress && is.spec.bmc?.address !== oldAddress && ctx.state !== S.Registering && !ctx.detached) {
    errors.push({ field: 'spec.bmc.address', reason: 'can only change while registering or detached' });
  }
  const oldMac = was.spec.bootMACAddress;
  if (oldMac && is.spec.bootMACAddress?.toLowerCase() !== oldMac.toLowerCase()) {
    errors.push({ field: 'spec.bootMACAddress', reason: 'cannot be changed once set' });
  }
  return errors;
}

/** Identity of a definition for change detection: Secrets by name and version, never ciphertext. */
export function definitionFingerprint(def: HostDefinition): string {
  const secrets = Object.fromEntries(
    Object.entries(def.secrets)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, { name: v?.name, version: v?.version }]),
  );
  return JSON.stringify({ host: def.host, secrets });
}
