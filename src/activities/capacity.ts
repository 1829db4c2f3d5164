/** Visibility query counting the hosts that hold a provisioning slot (BMO loadBusyHosts). */
import { BUSY_STATES } from '../workflows/state-machine.js';

export function busyHostsQuery(excludeWorkflowId: string): string {
  const states = BUSY_STATES.map((s) => `'${s}'`).join(', ');
  return `ExecutionStatus = 'Running' AND BmhState IN (${states}) AND BmhOperationalStatus != 'delayed' AND WorkflowId != '${excludeWorkflowId.replace(/'/g, "''")}'`;
}
