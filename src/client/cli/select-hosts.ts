/**
 * `get`/`watch` over what visibility cannot fully show: `-l` on hosts with no BmhView memo yet, and
 * `-o yaml|json` hosts whose worker did not answer. Neither is dropped silently.
 */
import { matchesSelector, type Requirement } from '../../api/label-selector.js';
import type { HostSummary } from '../../contract/index.js';

/**
 * `-l` over listed hosts. A host without a memo (a run recorded before it, until its next change)
 * has no labels in visibility: it is neither matched nor dropped but returned apart, since its
 * empty labels would otherwise match selectors like `!rack` and miss `rack=r1`.
 */
export function selectListed<T extends HostSummary>(hosts: T[], selector: Requirement[] | undefined): { selected: T[]; noView: T[] } {
  if (!selector) return { selected: hosts, noView: [] };
  return {
    selected: hosts.filter((h) => h.noView !== true && matchesSelector(selector, h.labels)),
    noView: hosts.filter((h) => h.noView === true),
  };
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const ids = (hosts: Array<{ namespace: string; name: string }>): string => hosts.map((h) => `${h.namespace}/${h.name}`).join(', ');

/** Hosts `-l` could not match: no memo, and their query failed too. */
export function noViewWarning(hosts: Array<{ namespace: string; name: string }>): string {
  return `warning: -l skipped ${plural(hosts.length, 'host', 'hosts')} with no labels in visibility yet (recorded before the BmhView memo) and no answer from the worker: ${ids(hosts)}\n`;
}

/** `ns/name` of each host whose query failed. */
export function unansweredWarning(hosts: string[]): string {
  return `warning: ${plural(hosts.length, 'host', 'hosts')} did not answer (worker down?), left out: ${hosts.join(', ')}\n`;
}
