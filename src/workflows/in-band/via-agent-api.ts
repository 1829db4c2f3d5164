/**
 * In-band work through the Ironic agent protocol: each agent boot opens a session on the host's
 * boot-services worker (fresh token; lookups answered), boots the agent through the BMC — by
 * network, or from the session's agent ISO on virtual-media and UEFI-HTTP hosts —
 * waits for the agent's heartbeat or inspection data (signals) and commands it, then closes the
 * session — before the power action that follows the agent's work (Ironic wipes the token on
 * every power action).
 */
import { ApplicationFailure, CancellationScope, condition, isCancellation, log, patched, sleep } from '@temporalio/workflow';
import type { BootActivities } from '../../activities/boot-activities.js';
import { bootMethodOf } from '../../api/boot-media.js';
import type { HardwareDetails } from '../../api/types.js';
import type { AgentCommandResult, BootMedia } from '../../contract/index.js';
import { provisioningNetworkOf } from '../../api/provisioning-network.js';
import { FailureType } from '../../errors.js';
import { bootActivitiesOn, hardware } from '../activity-proxies.js';
import { RETRY_MAXIMUM_ATTEMPTS, SINGLE_ATTEMPT, retryDelayMs, retryableFailure } from '../activity-retry.js';
import { FLEET_SCALE_PATCH, bootModeOf, describeFailure, type HostRun } from '../host-run.js';
import type { InBandWork } from './in-band-work.js';

/**
 * Marks runs that give each agent boot attempt its own session and token (opened while the machine
 * is off) and end the session before the power action that follows the agent's work. Runs recorded
 * before it keep their command order.
 */
export const AGENT_TOKEN_PER_BOOT_PATCH = 'agent-token-per-boot';

/**
 * Marks runs that boot the agent of a virtual-media or UEFI-HTTP host from its ISO: the boot worker
 * is asked for it (prepareAgentMedia) between opening the session and the boot, and the media is
 * ejected by bootFromDisk when the agent is done. Runs recorded before it network-booted every
 * agent and keep that command order.
 */
export const AGENT_BOOT_MEDIA_PATCH = 'agent-boot-media';

export const viaAgentApi: InBandWork = {
  async inspect(host, mode) {
    // Fast inspection asks the BMC (out of band): no agent involved.
    if (mode === 'fast') return hardware.inspectHardware({ target: host.target(), opId: host.opId('inspect'), mode });
    return withAgent(host, async (_boot, session) => {
      await waitForAgent(host, () => host.agent.hardware !== undefined, 'send inspection data');
      session.endedBy({ sessionEnded: host.agent.sessionEnded === true }); // the boot services end it at delivery
      await session.end(); // before the power off: the agent's token must not outlive its boot
      if (host.agent.inspectionError !== undefined) {
        await powerOffAfterAgent(host, 'power-off-inspection-failed');
        throw ApplicationFailure.nonRetryable(`Ramdisk reported error: ${host.agent.inspectionError}`, FailureType.AgentInspectionError);
      }
      const found = host.agent.hardware as HardwareDetails;
      await powerOffAfterAgent(host, 'power-off-inspected');
      return found;
    }, { inspect: true });
  },

  provision: (host, r) =>
    withAgent(host, async (boot, session) => {
      await waitForAgent(host, () => host.agent.callbackUrl !== undefined, 'boot and heartbeat');
      if (r.clean) await boot.agentClean(agentRef(host));
      const deployed = await boot.agentDeploy({
        ...agentRef(host),
        name: host.def.host.metadata.name,
        namespace: host.def.host.metadata.namespace,
        image: r.image,
        ...(r.rootDeviceHints ? { rootDeviceHints: r.rootDeviceHints } : {}),
        ...(r.bootMode ? { bootMode: r.bootMode } : {}),
        secrets: r.secrets,
        ...(r.softwareRaidRoot ? { softwareRaidRoot: r.softwareRaidRoot } : {}),
        ...session.last,
      });
      session.endedBy(deployed);
      await session.end();
      await host.bmc('bootFromDisk').bootFromDisk({ target: host.target(), opId: host.opId('boot-disk'), on: r.online, ...bootModeOf(host) });
    }),

  async configureRaid(host, r) {
    await withAgent(host, async (boot, session) => {
      await waitForAgent(host, () => host.agent.callbackUrl !== undefined, 'boot and heartbeat');
      session.endedBy(await boot.agentConfigureRaid({ ...agentRef(host), steps: r.steps, targetRaidConfig: r.targetRaidConfig, ...bootModeOf(host), ...session.last }));
      await session.end(); // before the power off: the agent's token must not outlive its boot
    });
    return powerOffAfterAgent(host, 'power-off-prepared');
  },

  async deprovision(host, cleaningMode) {
    if (cleaningMode === 'metadata') {
      await withAgent(host, async (boot, session) => {
        await waitForAgent(host, () => host.agent.callbackUrl !== undefined, 'boot and heartbeat');
        session.endedBy(await boot.agentClean({ ...agentRef(host), ...session.last }));
      });
      return powerOffAfterAgent(host, 'power-off-deprovisioned');
    }
    await host.bmc('setPowerState').setPowerState({ target: host.target(), opId: host.opId('power-off-deprovisioned'), on: false, force: true });
  },
};

/** One agent boot's session, as the work inside withAgent sees it. */
interface AgentSession {
  /** Ends the session (endAgent) unless it already ended: before the power action that follows the agent's work. */
  end(): Promise<void>;
  /** For the session's last agent command: it ends the session itself once it succeeded (runs past FLEET_SCALE_PATCH). */
  readonly last: { endSession?: true };
  /** The boot services ended the session (the last command's result or the inspection signal says so): no endAgent. */
  endedBy(report: AgentCommandResult | undefined): void;
}

type AgentWork<T> = (boot: BootActivities, session: AgentSession) => Promise<T>;

/**
 * One agent boot: open the session (fresh token), network-boot the agent, run `fn`, close the
 * session. `fn` may end the session early (`session.end`) before powering the machine off; in
 * runs past FLEET_SCALE_PATCH the session's last agent command ends it (the inspection session:
 * the boot services, once the data was delivered), which saves the endAgent activity.
 */
async function withAgent<T>(host: HostRun, fn: AgentWork<T>, opts: { inspect?: boolean } = {}): Promise<T> {
  const mac = host.spec.bootMACAddress;
  if (!mac) throw ApplicationFailure.nonRetryable('spec.bootMACAddress is needed to recognise the agent of this host', FailureType.MissingBootMAC);
  const macs = [mac]; // the agent is recognised by its boot MAC only: inspected MACs are the agent's word
  const tokenPerBoot = patched(AGENT_TOKEN_PER_BOOT_PATCH);
  const network = host.def.secrets.preprovisioningNetworkData;
  // The whole session stays with the boot worker it was opened on, even if the annotation changes.
  const boot = bootActivitiesOn(provisioningNetworkOf(host.annotations));
  const { agent } = host;
  const byMedia = tokenPerBoot && bootsFromMedia(host);
  const selfEnding = tokenPerBoot && patched(FLEET_SCALE_PATCH);
  let session = '';
  const open = async (): Promise<BootMedia | undefined> => {
    session = `${host.uid}/${++host.opSeq}-agent`;
    agent.session = session;
    agent.callbackUrl = undefined;
    agent.hardware = undefined;
    agent.inspectionError = undefined;
    agent.sessionEnded = undefined;
    await boot.expectAgent({ workflowId: host.workflowId, uuid: host.uid, name: host.def.host.metadata.name, macs, session, ...(network ? { preprovisioningNetworkData: network } : {}), ...(opts.inspect ? { inspect: true } : {}) });
    // The ISO belongs to the session (its URL expires with it): a new one for every boot attempt.
    return byMedia ? boot.prepareAgentMedia({ uuid: host.uid, session, ...bootModeOf(host) }) : undefined;
  };
  let ended = false;
  const end = async (): Promise<void> => {
    if (ended) return;
    ended = true;
    agent.session = undefined;
    await CancellationScope.nonCancellable(() => boot.endAgent({ uuid: host.uid, session }));
  };
  const endedBy = (report: AgentCommandResult | undefined): void => {
    if (!selfEnding || report?.sessionEnded !== true || ended) return;
    ended = true;
    agent.session = undefined;
  };
  try {
    if (!tokenPerBoot) {
      await open();
      await host.bmc('bootAgent').bootAgent({ target: host.target(), opId: host.opId('boot-agent') });
      return await fn(boot, { end: async () => undefined, last: {}, endedBy: () => undefined });
    }
    await bootAgentWithFreshToken(host, open);
    return await fn(boot, { end, last: selfEnding ? { endSession: true } : {}, endedBy });
  } finally {
    await end();
  }
}

/**
 * Boot attempts retried here rather than by Temporal: a retried power-cycle would boot an agent
 * whose lookup finds the token already revealed to the previous one. So each attempt powers the
 * machine off (no agent of an earlier attempt runs), then opens a new session with a fresh
 * token, then boots.
 */
async function bootAgentWithFreshToken(host: HostRun, open: () => Promise<BootMedia | undefined>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    // disablePowerOff: bootAgent reboots the host instead (no off state in between).
    if (!host.powerOffDisabled()) await host.bmc('setPowerState').setPowerState({ target: host.target(), opId: host.opId('power-off-agent-boot'), on: false, force: true });
    const media = await open();
    try {
      await host.bmc('bootAgent', SINGLE_ATTEMPT).bootAgent({ target: host.target(), opId: host.opId('boot-agent'), ...(media ? { media } : {}), ...bootModeOf(host) });
      return;
    } catch (err) {
      if (isCancellation(err) || attempt >= RETRY_MAXIMUM_ATTEMPTS || !retryableFailure(err)) throw err;
      log.warn('agent boot failed; retrying with a fresh agent token', { attempt, error: describeFailure(err) });
      await sleep(retryDelayMs(attempt));
    }
  }
}

/** Whether this host's agent boots from its ISO (virtual media, UEFI HTTP) in this run (see AGENT_BOOT_MEDIA_PATCH). */
function bootsFromMedia(host: HostRun): boolean {
  const method = bootMethodOf(host.spec.bmc?.address ?? '');
  // patched() only for such hosts: a network-booted host's history gets no marker.
  return (method === 'virtualmedia' || method === 'uefihttp') && patched(AGENT_BOOT_MEDIA_PATCH);
}

/**
 * The power off after the agent's work. A host whose agent booted from media also gets the media
 * ejected and its boot device back to disk (bootFromDisk, not powered on), so no agent ISO stays
 * inserted, as Ironic's clean_up_ramdisk.
 */
async function powerOffAfterAgent(host: HostRun, step: string): Promise<void> {
  if (bootsFromMedia(host)) {
    await host.bmc('bootFromDisk').bootFromDisk({ target: host.target(), opId: host.opId(step), on: false, ...bootModeOf(host) });
    return;
  }
  await host.bmc('setPowerState').setPowerState({ target: host.target(), opId: host.opId(step), on: false, force: true });
}


async function waitForAgent(host: HostRun, ready: () => boolean, what: string): Promise<void> {
  const timeoutMs = host.settings.agentCallbackTimeoutMs ?? 30 * 60_000;
  host.currentStep = `waiting for the agent to ${what}`;
  if (!(await condition(ready, timeoutMs))) {
    throw ApplicationFailure.nonRetryable(`the agent did not ${what} within ${Math.round(timeoutMs / 1000)}s (did the host network-boot the agent?)`, FailureType.AgentTimeout);
  }
}

function agentRef(host: HostRun): { uuid: string; session: string } {
  return { uuid: host.uid, session: host.agent.session ?? '' };
}
