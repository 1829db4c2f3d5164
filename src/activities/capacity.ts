/**
 * Visibility query counting the hosts that hold a provisioning slot (BMO loadBusyHosts): hosts of
 * the same task queue (one metalflow deployment) in a busy state, other than the asking one.
 */
import { SearchAttr } from '../contract/index.js';

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function busyHostsQuery(excludeWorkflowId: string, taskQueue: string, busyStates: readonly string[]): string {
  const states = busyStates.map(quote).join(', ');
  return `ExecutionStatus = 'Running' AND TaskQueue = ${quote(taskQueue)} AND ${SearchAttr.state.name} IN (${states}) AND ${SearchAttr.operationalStatus.name} != 'delayed' AND WorkflowId != ${quote(excludeWorkflowId)}`;
}
