/** Activity argument types, host and boot activities alike: one per activity, shared with the workflow. */
import type { RaidCleanStep, TargetRaidConfig } from '../api/raid.js';
import type { BareMetalHostSpec, Image, RebootMode, RootDeviceHints } from '../api/types.js';
import type { FirmwareComponentStatus, FirmwareSchemaMap, FirmwareUpdate, SettingValue } from '../api/firmware.js';
import type { HostSecrets, SealedSecret } from '../secrets/sealed-types.js';

/** Everything a driver needs to find and talk to one host. */
export interface HostTarget {
  workflowId: string;
  /** Stable host id (status.provisioning.ID). */
  uid: string;
  namespace: string;
  name: string;
  bmcAddress: string;
  disableCertificateVerification?: boolean;
  credentials?: SealedSecret;
  annotations: Record<string, string>;
  bootMACAddress?: string;
  /** spec.disablePowerOff: every power off becomes a reboot (Ironic's disable_power_off). */
  disablePowerOff?: boolean;
}

export interface StepInput {
  target: HostTarget;
  /** Deterministic per step: retries of this activity reuse it, the next attempt of the step does not. */
  opId: string;
}

export interface InspectInput extends StepInput {
  mode: 'agent' | 'fast';
}

export interface ProvisionInput extends StepInput {
  image: Image;
  rootDeviceHints?: RootDeviceHints;
  bootMode?: HostBootMode;
  /** Clean (erase metadata) before writing the image: first provisioning with cleaning enabled. */
  cleanFirst: boolean;
  online: boolean;
  secrets: Pick<HostSecrets, 'userData' | 'networkData' | 'metaData' | 'preprovisioningNetworkData'>;
}

/** Software RAID by manual clean steps (Ironic: the node's target_raid_config, then the steps in order). */
export interface RaidInput extends StepInput {
  steps: RaidCleanStep[];
  targetRaidConfig: TargetRaidConfig;
}

export interface DeprovisionInput extends StepInput {
  cleaningMode: 'metadata' | 'disabled';
}

export interface SetPowerInput extends StepInput {
  on: boolean;
  force?: boolean;
}

/** The host's spec.bootMode as the BMC is told it (UEFISecureBoot: UEFI, secure boot for the deployed OS). */
export type HostBootMode = NonNullable<BareMetalHostSpec['bootMode']>;

/** Boot media the BMC fetches itself (virtual media, UEFI HTTP boot): an unguessable, expiring URL. */
export interface BootMedia {
  url: string;
}

/**
 * Boots the agent: by network (PXE) unless `media` is given, in which case by virtual media
 * (insert as the virtual CD, one-time boot from Cd) or UEFI HTTP (redfish-uefihttp: one-time
 * UefiHttp with HttpBootUri) as the host's BMC address says. Secure boot is turned off for agent
 * boots of UEFISecureBoot hosts (the agent ramdisk is not signed), as Ironic does.
 */
export interface BootAgentInput extends StepInput {
  media?: BootMedia;
  bootMode?: HostBootMode;
}

/**
 * After the agent's work: eject virtual media (if any), boot from disk from now on in the host's
 * boot mode, secure boot on for UEFISecureBoot, power on if `on`.
 */
export interface BootFromDiskInput extends SetPowerInput {
  bootMode?: HostBootMode;
}

/** live-iso: the image itself as the virtual CD, booted from it persistently (no agent, no disk write). */
export interface BootLiveIsoInput extends StepInput {
  media: BootMedia;
  bootMode?: HostBootMode;
  on: boolean;
}

/** Firmware settings to apply and updates to flash (HFS/HFC spec), then everything re-read for status. */
export interface FirmwareInput extends StepInput {
  settings?: Record<string, SettingValue>;
  updates?: FirmwareUpdate[];
}

/** What the BMC reports after a firmware step (HFS status.settings, the FirmwareSchema, component versions). */
export interface FirmwareResult {
  settings?: Record<string, string>;
  schemaName?: string;
  schema?: FirmwareSchemaMap;
  /** currentVersion after the step; initialVersion as read before an update flashed it. */
  components?: Array<Pick<FirmwareComponentStatus, 'component' | 'currentVersion'> & { initialVersion?: string }>;
}

export interface RebootInput extends StepInput {
  mode: RebootMode;
}

/**
 * Registers (or renews) the host worker's power watch of the host that runs the activity (its
 * workflow id, never one from the input), after reading the power itself.
 */
export interface WatchPowerInput {
  target: HostTarget;
  /** The host's status.poweredOn: the watch reports only a difference from it. */
  expected: boolean;
  /** Poll period (the power sync interval). */
  intervalMs: number;
  /** The entry ends unless registered again within this (longer than the workflow's safety poll). */
  leaseMs: number;
}

/** The power read at registration, and whether the worker watches it from now on (false: watch list full or no watch). */
export interface WatchPowerResult {
  poweredOn: boolean;
  watching: boolean;
}

export interface CapacityInput {
  workflowId: string;
  limit: number;
  /** The states that hold a provisioning slot (the workflow's states table). */
  busyStates?: readonly string[];
}

// ---- boot-services activities (task queue boot-<network>)

/** A session as the workflow opens it: the preprovisioning network data still sealed. */
export interface ExpectAgentInput {
  workflowId: string;
  uuid: string;
  name: string;
  macs: string[];
  session: string;
  preprovisioningNetworkData?: SealedSecret;
  /** This boot inspects: the agent gets the inspection callback URL. */
  inspect?: boolean;
}

export interface AgentStepInput {
  uuid: string;
  session: string;
}

/** An agent command; the last one of a session ends the session itself once it succeeded (no endAgent). */
export interface AgentCommandInput extends AgentStepInput {
  endSession?: boolean;
}

/** Whether the command ended the session (asked with endSession, and the end succeeded): the workflow then skips endAgent. */
export interface AgentCommandResult {
  sessionEnded?: boolean;
}

/**
 * The agent ISO of an open session (virtual media, UEFI HTTP boot): built or reused by content on
 * the boot worker, published at a per-boot HTTPS URL that expires and is removed when the session
 * ends. Inspection boots get the inspection callback; the session's preprovisioning network data
 * and the agent API's CA go inside.
 */
export interface AgentMediaInput extends AgentStepInput {
  bootMode?: HostBootMode;
}

export interface AgentDeployInput extends AgentCommandInput {
  name: string;
  namespace: string;
  image: Image;
  rootDeviceHints?: RootDeviceHints;
  bootMode?: string;
  secrets: Pick<HostSecrets, 'userData' | 'networkData' | 'metaData' | 'preprovisioningNetworkData'>;
  /** The md device of the applied software RAID to deploy onto (no rootDeviceHints); the bootloader is then installed on its holders. */
  softwareRaidRoot?: string;
}

/** The agent's RAID clean steps (raid.delete_configuration, deploy.erase_devices_metadata, raid.create_configuration). */
export interface AgentRaidInput extends AgentCommandInput {
  steps: RaidCleanStep[];
  targetRaidConfig: TargetRaidConfig;
  bootMode?: HostBootMode;
}

