/** Change detection of host definitions inside the workflow (the change rules are in api/change-rules.ts). */
import type { HostDefinition } from '../contract/index.js';
import type { HostSecrets, SecretPurpose } from '../secrets/sealed-types.js';

/** Identity of a definition for change detection: Secrets by name and version, never ciphertext. */
export function definitionFingerprint(def: HostDefinition): string {
  const secrets = Object.fromEntries(
    Object.entries(def.secrets)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, { name: v?.name, version: v?.version }]),
  );
  return JSON.stringify({ host: def.host, secrets, ...(def.firmware ? { firmware: def.firmware } : {}) });
}

/** The Secret name each sealed field stands for, as the spec names it. */
function referencedName(spec: HostDefinition['host']['spec'], purpose: SecretPurpose): string | undefined {
  switch (purpose) {
    case 'credentials':
      return spec.bmc?.credentialsName;
    case 'preprovisioningNetworkData':
      return spec.preprovisioningNetworkDataName;
    default:
      return spec[purpose]?.name;
  }
}

/**
 * A re-applied definition (e.g. `get -o yaml` applied back) may name a Secret without carrying it:
 * the one already sealed under the same name for the same field is kept.
 */
export function withKeptSecrets(next: HostDefinition, current: HostDefinition): HostDefinition {
  const secrets: HostSecrets = { ...next.secrets };
  for (const purpose of Object.keys(current.secrets) as SecretPurpose[]) {
    const kept = current.secrets[purpose];
    if (!secrets[purpose] && kept && referencedName(next.host.spec, purpose) === kept.name) secrets[purpose] = kept;
  }
  return { ...next, secrets };
}
