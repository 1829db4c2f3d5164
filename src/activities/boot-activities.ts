/**
 * Activities of the boot-services worker (task queue `boot-<network>`): agent sessions and the
 * agent's commands. They run where the agent API runs, so agent tokens never leave that process.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { configDriveContent } from './config-drive-content.js';
import { typed } from './typed-failure.js';
import { buildConfigDrive } from '../agent/config-drive.js';
import { disksFromInventory } from '../agent/inventory.js';
import { IpaClient, type IpaClientOptions } from '../agent/ipa-client.js';
import type { IronicAgentApi } from '../agent/ironic-api.js';
import { selectRootDevice, selectSoftwareRaidRoot } from '../agent/root-device.js';
import type { AgentSessions } from '../boot/agent-sessions.js';
import type { AgentMedia } from '../boot/media/agent-media.js';
import type { AgentCommandInput, AgentCommandResult, AgentDeployInput, AgentMediaInput, AgentRaidInput, AgentStepInput, BootMedia, ExpectAgentInput } from '../contract/index.js';
import type { BootConfigStore } from '../boot/boot-config.js';
import { parseHostWorkflowId } from '../contract/index.js';
import { FailureType, SecretUnsealError } from '../errors.js';
import type { Keyring } from '../secrets/keyring.js';

export interface BootActivityDeps {
  sessions: AgentSessions;
  api: IronicAgentApi;
  keyring: Keyring;
  /** What each boot MAC network-boots (DHCP known hosts, iPXE scripts). */
  boot?: BootConfigStore;
  /** Agent ISOs for virtual media boots (only where the HTTP boot server runs). */
  media?: AgentMedia;
  agentPollMs?: number;
}

export function createBootActivities(deps: BootActivityDeps) {
  const client = (input: AgentStepInput): IpaClient => {
    const s = deps.sessions.get(input.uuid);
    if (!s || s.session !== input.session || !s.callbackUrl) {
      throw ApplicationFailure.nonRetryable(`no agent session ${input.session} with a callback URL for ${input.uuid}`, FailureType.AgentSessionLost);
    }
    const ctx = Context.current();
    const opts: IpaClientOptions = { pollMs: deps.agentPollMs ?? 2000, onWait: (c) => ctx.heartbeat(c.command_name), signal: ctx.cancellationSignal };
    return new IpaClient(s.callbackUrl, deps.api.tokens.current(input.uuid), opts);
  };

  /** Ends an agent session: its ISO URL, its network boot, its lookups and token (Ironic's wipe_token_and_url). */
  const endSession = async (input: AgentStepInput): Promise<void> => {
    await deps.media?.end(input.uuid, input.session);
    const s = deps.sessions.get(input.uuid);
    if (s?.session === input.session && s.macs[0]) deps.boot?.bootLocal(s.macs[0]);
    deps.sessions.close(input.uuid, input.session);
    // A late end of an older session must not wipe the token of the boot that replaced it.
    if (!s || s.session === input.session) deps.api.endAgentSession(input.uuid);
  };
  // An inspection boot's session ends once its data was delivered and answered: the agent has nothing more to do.
  deps.sessions.endAfterInspection(endSession);

  /**
   * After the last command of a session (asked with endSession): the session ends here, before the
   * workflow's next power action. A failed end fails nothing (the command's work is done): the
   * workflow, told the session did not end, ends it with endAgent as before.
   */
  const endAfterCommand = async (input: AgentCommandInput): Promise<AgentCommandResult> => {
    if (!input.endSession) return {};
    try {
      await endSession(input);
      return { sessionEnded: true };
    } catch (err) {
      log.warn('ending the agent session after its last command failed', { session: input.session, error: err instanceof Error ? err.message : String(err) });
      return {};
    }
  };

  return {
    /** Opens the agent session of one boot: lookups for this host are answered from now on, with a fresh token. */
    async expectAgent(input: ExpectAgentInput): Promise<void> {
      const { preprovisioningNetworkData: sealed, inspect, ...session } = input;
      const data = sealed ? deps.keyring.unseal(sealed, { namespace: hostNamespace(input.workflowId, sealed.name), purpose: 'preprovisioningNetworkData' }) : undefined;
      const networkData = data ? (data.networkData ?? data.nmstate) : undefined;
      // A new boot: the old token and callback URL go (Ironic's wipe_token_and_url); the next lookup reveals a fresh token.
      deps.api.endAgentSession(input.uuid);
      if (deps.media) {
        // ...and the old boot's ISO URL.
        const prev = deps.sessions.get(input.uuid);
        if (prev && prev.session !== input.session) await deps.media.end(input.uuid, prev.session);
      }
      deps.sessions.open({ ...session, ...(inspect ? { inspect } : {}), ...(networkData !== undefined ? { networkData } : {}) });
      const mac = input.macs[0];
      if (mac) deps.boot?.set({ mac, uuid: input.uuid, name: input.name, action: 'agent', ...(inspect ? { inspect } : {}) });
    },

    /** The agent ISO of the open session, at a per-boot URL for the BMC (virtual media, UEFI HTTP boot). */
    async prepareAgentMedia(input: AgentMediaInput): Promise<BootMedia> {
      const s = deps.sessions.get(input.uuid);
      if (!s || s.session !== input.session) throw ApplicationFailure.nonRetryable(`no agent session ${input.session} for ${input.uuid}`, FailureType.AgentSessionLost);
      const bootMac = s.macs[0];
      if (!bootMac) throw ApplicationFailure.nonRetryable('an agent ISO needs the boot MAC address', FailureType.MissingBootMAC);
      const media = deps.media;
      if (!media) throw ApplicationFailure.nonRetryable('this boot worker serves no agent media: its HTTP boot server is off', FailureType.AgentMediaBuildError);
      return typed(() => media.prepare({ uuid: input.uuid, session: input.session, bootMac, ...(s.inspect ? { inspect: true } : {}), ...(s.networkData !== undefined ? { networkData: s.networkData } : {}) }));
    },

    /** Idempotent: a session already ended (by its last command, or at inspection delivery) stays ended. */
    async endAgent(input: AgentStepInput): Promise<void> {
      await endSession(input);
    },

    /** Automated cleaning as Metal3 configures it: erase_devices_metadata only. */
    async agentClean(input: AgentCommandInput): Promise<AgentCommandResult> {
      await typed(async () => {
        const c = client(input);
        const steps = await c.getCleanSteps({ uuid: input.uuid });
        const version = (steps.command_result?.hardware_manager_version ?? {}) as Record<string, unknown>;
        await c.executeCleanStep({ step: 'erase_devices_metadata', interface: 'deploy', priority: 99, args: {} }, { uuid: input.uuid }, version);
      });
      return endAfterCommand(input);
    },

    /**
     * Software RAID as Ironic's manual cleaning does it: the node carries target_raid_config and
     * the boot mode/disk label IPA partitions the holders for; each step runs to its end in order.
     * Every attempt runs the whole list from the start (delete first), so a retry is safe.
     */
    async agentConfigureRaid(input: AgentRaidInput): Promise<AgentCommandResult> {
      await typed(async () => {
        const c = client(input);
        const node = raidNode(input);
        const steps = await c.getCleanSteps(node);
        const version = (steps.command_result?.hardware_manager_version ?? {}) as Record<string, unknown>;
        for (const s of input.steps) await c.executeCleanStep({ step: s.step, interface: s.interface, priority: 0, args: {} }, node, version);
      });
      return endAfterCommand(input);
    },

    /** write_image with image_info and the config drive onto the root device chosen by the hints. */
    async agentDeploy(input: AgentDeployInput): Promise<{ rootDevice: string } & AgentCommandResult> {
      const deployed = await typed(async () => {
        const c = client(input);
        const disks = disksFromInventory((await c.runSync('poll.get_hardware_info')).command_result);
        // Hints win (BMO: rootVolume and rootDeviceHints are exclusive); else the applied RAID's md device.
        const root = input.softwareRaidRoot && !input.rootDeviceHints ? selectSoftwareRaidRoot(disks, input.softwareRaidRoot) : selectRootDevice(disks, input.rootDeviceHints);
        const node = { uuid: input.uuid, properties: { root_device: { name: root.name } }, instance_info: { image_source: input.image.url } };
        const steps = await c.getDeploySteps(node);
        const version = (steps.command_result?.hardware_manager_version ?? {}) as Record<string, unknown>;
        const configdrive = await buildConfigDrive(configDriveContent({ uuid: input.uuid, name: input.name, namespace: input.namespace }, input.secrets, deps.keyring));
        await c.executeDeployStep({ step: 'write_image', interface: 'deploy', priority: 80, args: { image_info: imageInfo(input), configdrive } }, node, version);
        const uuids = (await c.getPartitionUuids()).command_result ?? {};
        if (input.softwareRaidRoot) {
          // Ironic always installs the bootloader when software RAID is configured: IPA mirrors the image's ESP
          // onto every holder disk and adds the UEFI boot entries (efi_utils.manage_uefi).
          const rootUuid = typeof uuids['root uuid'] === 'string' ? uuids['root uuid'] : null;
          await c.installBootloader({ root_uuid: rootUuid, efi_system_part_uuid: null, target_boot_mode: input.bootMode === 'legacy' ? 'bios' : 'uefi' });
        }
        return { rootDevice: root.name };
      });
      return { ...deployed, ...(await endAfterCommand(input)) };
    },
  };
}

export type BootActivities = ReturnType<typeof createBootActivities>;

/** The namespace a Secret opens in: the host's, from its workflow id (`bmh/<namespace>/<name>`). */
function hostNamespace(workflowId: string, secretName: string): string {
  const host = parseHostWorkflowId(workflowId);
  if (!host) throw new SecretUnsealError(secretName, `workflow ${workflowId} is not a host workflow, so the Secret's namespace is unknown`);
  return host.namespace;
}

/**
 * The node as IPA's RAID code reads it: target_raid_config, and the boot mode and disk label
 * (utils.get_node_boot_mode, get_partition_table_type_from_specs) the holders are partitioned for.
 */
function raidNode(input: AgentRaidInput): Record<string, unknown> {
  const capabilities = { boot_mode: input.bootMode === 'legacy' ? 'bios' : 'uefi', disk_label: 'gpt' };
  return { uuid: input.uuid, target_raid_config: input.targetRaidConfig, properties: { capabilities }, instance_info: { capabilities } };
}

/** IPA image_info (ironic agent.py write_image). */
function imageInfo(input: AgentDeployInput): Record<string, unknown> {
  const img = input.image;
  const checksum = img.checksum ?? '';
  const type = img.checksumType && img.checksumType !== 'auto' ? img.checksumType : undefined;
  return {
    id: input.uuid,
    urls: [img.url],
    disk_format: img.format ?? 'raw',
    container_format: 'bare',
    stream_raw_images: true,
    node_uuid: input.uuid,
    ...(type && !/^https?:/.test(checksum) ? { os_hash_algo: type, os_hash_value: checksum } : { checksum }),
  };
}


