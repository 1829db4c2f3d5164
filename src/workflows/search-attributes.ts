/** Maps host status onto the search attributes operators filter by (`BmhState='provisioned'`). */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { BareMetalHostStatus } from '../api/types.js';
import { SearchAttr } from '../contract/index.js';

export interface HostSearchAttributes {
  BmhName: string;
  BmhNamespace: string;
  BmhState: string;
  BmhOperationalStatus: string;
  BmhErrorType: string;
  BmhPoweredOn: boolean;
}

export function searchAttributesOf(name: string, namespace: string, status: BareMetalHostStatus): HostSearchAttributes {
  return {
    BmhName: name,
    BmhNamespace: namespace,
    // Keyword values cannot be empty strings in every visibility store: "" becomes "none".
    BmhState: status.provisioning.state || 'none',
    BmhOperationalStatus: status.operationalStatus || 'none',
    BmhErrorType: status.errorType || 'none',
    BmhPoweredOn: status.poweredOn,
  };
}

/** Only the attributes that changed since `previous` (all of them when there is none). */
export function changedSearchAttributes(previous: HostSearchAttributes | undefined, next: HostSearchAttributes): SearchAttributeUpdatePair[] {
  const pairs: SearchAttributeUpdatePair[] = [];
  const put = <K extends keyof HostSearchAttributes>(key: K, attr: (typeof SearchAttr)[keyof typeof SearchAttr]): void => {
    if (previous?.[key] !== next[key]) pairs.push({ key: attr, value: next[key] } as SearchAttributeUpdatePair);
  };
  put('BmhName', SearchAttr.name);
  put('BmhNamespace', SearchAttr.namespace);
  put('BmhState', SearchAttr.state);
  put('BmhOperationalStatus', SearchAttr.operationalStatus);
  put('BmhErrorType', SearchAttr.errorType);
  put('BmhPoweredOn', SearchAttr.poweredOn);
  return pairs;
}
