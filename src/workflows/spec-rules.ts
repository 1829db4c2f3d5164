/** Change detection of host definitions inside the workflow (the change rules are in api/change-rules.ts). */
import type { HostDefinition } from '../contract/index.js';

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
