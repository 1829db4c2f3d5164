/**
 * A boot MAC names one host: the agent API looks hosts up by it and DHCP reserves addresses by it.
 * Two hosts with one boot MAC would share lookups (one machine handed the other's token and image),
 * so duplicates are refused at apply, naming both hosts. Pure.
 */
import type { FieldError } from './validate-host.js';

/** A conflict, as a manifest error: the document is `BareMetalHost <ns>/<name>` (callers may relabel it). */
export type BootMacConflict = FieldError & { document: string };

export interface BootMacOwner {
  namespace: string;
  name: string;
  bootMACAddress?: string | undefined;
}

/**
 * Errors for hosts in `incoming` whose boot MAC another host already has: an earlier incoming host,
 * or an `existing` host other than itself (a host re-applied keeps its own MAC).
 */
export function bootMacConflicts(incoming: readonly BootMacOwner[], existing: readonly BootMacOwner[] = []): BootMacConflict[] {
  const key = (h: BootMacOwner): string => `${h.namespace}/${h.name}`;
  const incomingKeys = new Set(incoming.map(key));
  const owners = new Map<string, string>();
  // Existing hosts being re-applied take their MAC from the new documents, not from what they had.
  for (const h of existing) if (h.bootMACAddress && !incomingKeys.has(key(h))) owners.set(h.bootMACAddress.toLowerCase(), key(h));
  const errors: BootMacConflict[] = [];
  for (const h of incoming) {
    const mac = h.bootMACAddress?.toLowerCase();
    if (!mac) continue;
    const owner = owners.get(mac);
    if (owner !== undefined && owner !== key(h)) {
      errors.push({ document: `BareMetalHost ${key(h)}`, field: 'spec.bootMACAddress', reason: `${mac} is already the boot MAC of host ${owner}` });
    } else owners.set(mac, key(h));
  }
  return errors;
}
