/** Maps host status onto the search attributes operators filter by (`BmhState='provisioned'`), keyed as the contract defines them. */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { BareMetalHostStatus } from '../api/types.js';
import { SearchAttr } from '../contract/index.js';

/** Attribute name (e.g. `BmhState`) → value. */
export type HostSearchAttributes = Readonly<Record<string, string | boolean>>;

export function searchAttributesOf(name: string, namespace: string, status: BareMetalHostStatus): HostSearchAttributes {
  const values: Record<keyof typeof SearchAttr, string | boolean> = {
    name,
    namespace,
    // Keyword values cannot be empty strings in every visibility store: "" becomes "none".
    state: status.provisioning.state || 'none',
    operationalStatus: status.operationalStatus || 'none',
    errorType: status.errorType || 'none',
    poweredOn: status.poweredOn,
  };
  return Object.fromEntries((Object.keys(SearchAttr) as (keyof typeof SearchAttr)[]).map((k) => [SearchAttr[k].name, values[k]]));
}

/** Only the attributes that changed since `previous` (all of them when there is none), in the contract's order. */
export function changedSearchAttributes(previous: HostSearchAttributes | undefined, next: HostSearchAttributes): SearchAttributeUpdatePair[] {
  return Object.values(SearchAttr)
    .filter((key) => previous?.[key.name] !== next[key.name])
    .map((key) => ({ key, value: next[key.name] }) as SearchAttributeUpdatePair);
}
