/**
 * In-band work through the Ironic agent protocol: each agent boot opens a session on the host's
 * boot-services worker (fresh token; lookups answered), network-boots the agent through the BMC,
 * waits for the agent's heartbeat or inspection data (signals) and commands it, then closes the
 * session.
 */
import { ApplicationFailure, CancellationScope, condition } from '@temporalio/workflow';
import type { BootActivities } from '../../activities/boot-activities.js';
import type { HardwareDetails } from '../../api/types.js';
import { provisioningNetworkOf } from '../../api/provisioning-network.js';
import { FailureType } from '../../errors.js';
import { bmc, bootActivitiesOn, hardware } from '../activity-proxies.js';
import type { HostRun } from '../host-run.js';
import type { InBandWork } from './in-band-work.js';

export const viaAgentApi: InBandWork = {
  async inspect(host, mode) {
    // Fast inspection asks the BMC (out of band): no agent involved.
    if (mode === 'fast') return hardware.inspectHardware({ target: host.target(), opId: host.opId('inspect'), mode });
    return withAgent(host, async () => {
      await waitForAgent(host, () => host.agent.hardware !== undefined, 'send inspection data');
      if (host.agent.inspectionError !== undefined) {
        await bmc.setPowerState({ target: host.target(), opId: host.opId('power-off-inspection-failed'), on: false, force: true });
        throw ApplicationFailure.nonRetryable(`Ramdisk reported error: ${host.agent.inspectionError}`, FailureType.AgentInspectionError);
      }
      const found = host.agent.hardware as HardwareDetails;
      await bmc.setPowerState({ target: host.target(), opId: host.opId('power-off-inspected'), on: false, force: true });
      return found;
    }, { inspect: true });
  },

  provision: (host, r) =>
    withAgent(host, async (boot) => {
      await waitForAgent(host, () => host.agent.callbackUrl !== undefined, 'boot and heartbeat');
      if (r.clean) await boot.agentClean(agentRef(host));
      await boot.agentDeploy({
        ...agentRef(host),
        name: host.def.host.metadata.name,
        namespace: host.def.host.metadata.namespace,
        image: r.image,
        ...(r.rootDeviceHints ? { rootDeviceHints: r.rootDeviceHints } : {}),
        ...(r.bootMode ? { bootMode: r.bootMode } : {}),
        secrets: r.secrets,
      });
      await bmc.bootFromDisk({ target: host.target(), opId: host.opId('boot-disk'), on: r.online });
    }),

  async deprovision(host, cleaningMode) {
    if (cleaningMode === 'metadata') {
      await withAgent(host, async (boot) => {
        await waitForAgent(host, () => host.agent.callbackUrl !== undefined, 'boot and heartbeat');
        await boot.agentClean(agentRef(host));
      });
    }
    await bmc.setPowerState({ target: host.target(), opId: host.opId('power-off-deprovisioned'), on: false, force: true });
  },
};

/** One agent boot: open the session (fresh token), network-boot the agent, run `fn`, close the session. */
async function withAgent<T>(host: HostRun, fn: (boot: BootActivities) => Promise<T>, opts: { inspect?: boolean } = {}): Promise<T> {
  const mac = host.spec.bootMACAddress;
  if (!mac) throw ApplicationFailure.nonRetryable('spec.bootMACAddress is needed to recognise the agent of this host', FailureType.MissingBootMAC);
  const macs = [mac, ...(host.status.hardware?.nics ?? []).map((n) => n.mac)];
  const session = `${host.uid}/${++host.opSeq}-agent`;
  const { agent } = host;
  agent.session = session;
  agent.callbackUrl = undefined;
  agent.hardware = undefined;
  agent.inspectionError = undefined;
  const network = host.def.secrets.preprovisioningNetworkData;
  // The whole session stays with the boot worker it was opened on, even if the annotation changes.
  const boot = bootActivitiesOn(provisioningNetworkOf(host.annotations));
  await boot.expectAgent({ workflowId: host.workflowId, uuid: host.uid, name: host.def.host.metadata.name, macs, session, ...(network ? { preprovisioningNetworkData: network } : {}), ...(opts.inspect ? { inspect: true } : {}) });
  try {
    await bmc.bootAgent({ target: host.target(), opId: host.opId('boot-agent') });
    return await fn(boot);
  } finally {
    agent.session = undefined;
    await CancellationScope.nonCancellable(() => boot.endAgent({ uuid: host.uid, session }));
  }
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
