/**
 * The BMC driver interface: what the host workflow's activities need from any BMC (fake, Redfish,
 * IPMI). The workflow never sees which one is behind it.
 */
import type { OperationContext } from '../api/operation.js';
import type { HardwareDetails, RebootMode } from '../api/types.js';

export type { OperationContext };

export type BootDevice = 'pxe' | 'disk' | 'cdrom' | 'uefihttp';
export type BootMode = 'UEFI' | 'legacy';

export interface BmcDriver {
  /** Checks reachability and credentials; returns the current power state. */
  register(ctx: OperationContext): Promise<{ poweredOn: boolean }>;
  getPowerState(): Promise<boolean>;
  /** Power on, or off (soft first unless `force`, as Ironic's soft power off with timeout). */
  setPower(ctx: OperationContext, on: boolean, opts?: { force?: boolean }): Promise<void>;
  reboot(ctx: OperationContext, mode: RebootMode): Promise<void>;
  setBootDevice(ctx: OperationContext, device: BootDevice, opts?: { persistent?: boolean; mode?: BootMode }): Promise<void>;
  /** Virtual media (Redfish): attach an ISO by URL as the virtual CD, or detach it. */
  insertVirtualMedia?(ctx: OperationContext, imageUrl: string): Promise<void>;
  ejectVirtualMedia?(ctx: OperationContext): Promise<void>;
  /** UEFI secure boot for the next boots (Redfish SecureBoot); absent: the driver cannot. */
  setSecureBoot?(ctx: OperationContext, enabled: boolean): Promise<void>;
  /** Out-of-band inspection (`inspectionMode: fast`), where the BMC can tell. */
  inspectOutOfBand?(ctx: OperationContext): Promise<HardwareDetails>;
}
