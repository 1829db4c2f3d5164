/** Task queues, timeouts and the host settings the workflow loads from its worker. */

export const TaskQueue = {
  /** Host lifecycle workflows and their BMC/agent activities. */
  hosts: 'metalflow-hosts',
  /** Boot-services activities for one provisioning network (DHCP/TFTP/HTTP worker). */
  boot: (network: string): string => `boot-${network}`,
} as const;

/** Defaults; the worker's settings can override the tunable ones. */
export const Timeouts = {
  /** BMC calls: power, boot device, registration. */
  bmcCallMs: 2 * 60_000,
  /** Long hardware operations: inspection, cleaning, deployment (Ironic's deploy_callback_timeout is 80 min). */
  hardwareOperationMs: 80 * 60_000,
  /** A hardware activity that stops heartbeating this long is presumed lost (worker died) and retried. */
  heartbeatMs: 15_000,
  /** Soft power off before forcing it (Ironic's soft power-off timeout). */
  softPowerOffMs: 180_000,
  /** A boot-services activity not picked up this long means no boot worker serves the network. */
  bootServicesScheduleMs: 5 * 60_000,
} as const;

export interface HostSettings {
  /** Max hosts inspecting/provisioning/deprovisioning at once (BMO PROVISIONING_LIMIT). */
  provisioningLimit: number;
  /** Provisioning failures for one image before giving up (BMO --max-provisioning-retries; 0 = unlimited). */
  maxProvisioningRetries: number;
  /** Period of the power-state sync in stable states (BMO steady-state poll: 60 s). */
  powerSyncIntervalMs: number;
  /** Continue-as-new once the run's history has this many events. */
  maxHistoryEvents: number;
  /** The unit of the error backoff, 2^n units (BMO: one minute). */
  backoffUnitMs: number;
  /**
   * How hosts with a real BMC are inspected, cleaned and deployed: `ipa` through the Ironic agent
   * protocol (boot-services worker), `inline` with the in-process simulated agent.
   */
  agent?: 'ipa' | 'inline';
  /** How long to wait for the agent to boot and call back (Ironic deploy_callback_timeout). */
  agentCallbackTimeoutMs?: number;
}

export const DEFAULT_HOST_SETTINGS: HostSettings = {
  provisioningLimit: 20,
  maxProvisioningRetries: 5,
  powerSyncIntervalMs: 60_000,
  maxHistoryEvents: 2_000,
  backoffUnitMs: 60_000,
};
