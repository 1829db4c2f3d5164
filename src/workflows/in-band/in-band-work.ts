/**
 * The host's in-band work — inspection by an agent, cleaning, deployment — behind one interface,
 * so the state handlers never ask how it is done. Two ways (work-of-host.ts picks one): the Ironic
 * agent protocol through the boot-services worker (real BMCs), or the host worker's own driver
 * activities (the fake driver, and real BMCs paired with the simulated agent).
 */
import type { RaidCleanStep, TargetRaidConfig } from '../../api/raid.js';
import type { HardwareDetails, Image, RootDeviceHints } from '../../api/types.js';
import type { HostSecrets } from '../../secrets/sealed-types.js';
import type { HostBootMode } from '../../contract/index.js';
import type { HostRun } from '../host-run.js';

export interface ProvisionRequest {
  image: Image;
  rootDeviceHints?: RootDeviceHints;
  bootMode?: HostBootMode;
  /** Automated cleaning before writing the image. */
  clean: boolean;
  online: boolean;
  secrets: Pick<HostSecrets, 'userData' | 'networkData' | 'metaData' | 'preprovisioningNetworkData'>;
  /** The applied software RAID's md root device (without rootDeviceHints). */
  softwareRaidRoot?: string;
}

export interface RaidRequest {
  steps: RaidCleanStep[];
  targetRaidConfig: TargetRaidConfig;
}

export interface InBandWork {
  inspect(host: HostRun, mode: 'agent' | 'fast'): Promise<HardwareDetails>;
  /** Cleans (when asked), writes the image and boots the host from disk (powered as `online` says). */
  provision(host: HostRun, request: ProvisionRequest): Promise<void>;
  /** Runs the RAID clean steps (preparing) and leaves the host powered off. */
  configureRaid(host: HostRun, request: RaidRequest): Promise<void>;
  /** Cleans (per the cleaning mode) and leaves the host powered off. */
  deprovision(host: HostRun, cleaningMode: 'metadata' | 'disabled'): Promise<void>;
}
