/** Task queues, timeouts and the host settings the workflow loads from its worker. */
import { POWER_STATE_TIMEOUT_MS, SOFT_POWER_OFF_TIMEOUT_MS } from '../bmc/timing.js';

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
  softPowerOffMs: SOFT_POWER_OFF_TIMEOUT_MS,
  /** Wait for a BMC to report a commanded power state (Ironic power_state_change_timeout). */
  powerStateMs: POWER_STATE_TIMEOUT_MS,
  /** A boot-services activity not picked up this long means no boot worker serves the network. */
  bootServicesScheduleMs: 5 * 60_000,
  /** The provisioning semaphore's check whether slot holders ended (one attempt: the next interval tries again). */
  slotHolderCheckMs: 30_000,
  /**
   * Local activities of the host worker (its settings, a registration's first attempt): past the
   * workflow task timeout (10 s) a local activity keeps the task open with heartbeats (more
   * events), so a slower registration falls back to a normal activity.
   */
  localCallMs: 8_000,
} as const;

export interface HostSettings {
  /** Max hosts inspecting/provisioning/deprovisioning at once (BMO PROVISIONING_LIMIT). */
  provisioningLimit: number;
  /** Provisioning failures for one image before giving up (BMO --max-provisioning-retries; 0 = unlimited). */
  maxProvisioningRetries: number;
  /** Period of the power-state sync in stable states (BMO steady-state poll: 60 s). */
  powerSyncIntervalMs: number;
  /**
   * Idle hosts are watched by the host worker between syncs (it signals only on drift); the workflow
   * itself reads the power and renews the watch this often (absent: DEFAULT_POWER_SAFETY_POLL_MS).
   */
  powerSafetyPollIntervalMs?: number;
  /** false: every idle host reads its power from the workflow each powerSyncIntervalMs, as before the watch. */
  powerWatch?: boolean;
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
  /** What the worker's BMC drivers wait for; the workflow sizes BMC activity timeouts from it. */
  bmcWaits?: BmcWaits;
}

/**
 * The waits inside BMC activities, as the host worker's drivers are configured, so each activity's
 * timeout can hold the waits it contains (a soft power off, then the force off).
 */
export interface BmcWaits {
  /** For a commanded power state to be reported (METALFLOW_POWER_STATE_TIMEOUT). */
  powerStateTimeoutMs: number;
  /** Soft power off before forcing it (METALFLOW_SOFT_POWER_OFF_TIMEOUT). */
  softPowerOffTimeoutMs: number;
  /** Between two power-state reads. */
  powerPollMs: number;
  /** The longest one BMC command takes while the BMC answers (request timeout; IPMI: plus command spacing). */
  commandMs: number;
}

/** The drivers' defaults: for runs whose loaded settings predate `bmcWaits`. */
export const DEFAULT_BMC_WAITS: BmcWaits = {
  powerStateTimeoutMs: Timeouts.powerStateMs,
  softPowerOffTimeoutMs: Timeouts.softPowerOffMs,
  powerPollMs: 1_000,
  commandMs: 35_000,
};

/**
 * The idle host's own power read and watch renewal: two actions (a timer, an activity) an hour,
 * 48 a day; it also bounds how long a watch lost with its worker goes unnoticed.
 */
export const DEFAULT_POWER_SAFETY_POLL_MS = 60 * 60_000;
/** A watch entry outlives this many safety polls, so the renewal always comes before it ends. */
export const WATCH_LEASE_SAFETY_POLLS = 2;

export const DEFAULT_HOST_SETTINGS: HostSettings = {
  provisioningLimit: 20,
  maxProvisioningRetries: 5,
  powerSyncIntervalMs: 60_000,
  maxHistoryEvents: 2_000,
  backoffUnitMs: 60_000,
};
