/**
 * The provisioning-agent interface: inspection, cleaning and image deployment, as the Ironic
 * Python Agent does them. Fake (in-process) today; the IPA protocol implementation plugs in here.
 */
import type { RaidCleanStep, TargetRaidConfig } from '../api/raid.js';
import type { HardwareDetails, Image, RootDeviceHints } from '../api/types.js';
import type { OperationContext } from '../api/operation.js';
import type { ConfigDriveContent } from './config-drive.js';

export interface DeployRequest {
  image: Image;
  rootDeviceHints?: RootDeviceHints;
  bootMode?: string;
  /** Config drive contents (plain: only ever built inside an activity). */
  configDrive?: ConfigDriveContent;
}

export interface AgentDriver {
  inspect(ctx: OperationContext, mode: 'agent' | 'fast'): Promise<HardwareDetails>;
  /** Automated cleaning: `metadata` erases partition tables of every disk. */
  clean(ctx: OperationContext, mode: 'metadata'): Promise<void>;
  /** Software RAID: the RAID clean steps in order, towards `config` (Ironic manual cleaning). */
  configureRaid(ctx: OperationContext, steps: RaidCleanStep[], config: TargetRaidConfig): Promise<void>;
  /** Writes the image and config drive to the root device, sets boot to disk. */
  deploy(ctx: OperationContext, request: DeployRequest): Promise<void>;
  /** Forgets everything about the host (on delete). */
  forget(ctx: OperationContext): Promise<void>;
}
