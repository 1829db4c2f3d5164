/**
 * The BMC driver interface: what the host workflow's activities need from any BMC (fake, Redfish,
 * IPMI). The workflow never sees which one is behind it.
 */
import type { OperationContext } from '../api/operation.js';
import type { HardwareDetails, RebootMode } from '../api/types.js';
import type { FirmwareSchemaMap, FirmwareUpdate, SettingValue } from '../api/firmware.js';

export type { OperationContext };

export type BootDevice = 'pxe' | 'disk' | 'cdrom' | 'uefihttp';
export type BootMode = 'UEFI' | 'legacy';

export interface BootDeviceOptions {
  persistent?: boolean;
  mode?: BootMode;
  /** `uefihttp` only: what the firmware fetches (Redfish 1.15+ HttpBootUri). */
  httpBootUri?: string;
}

/** The BIOS settings a BMC reports (as strings, HFS status.settings) and their schema, if it has a registry. */
export interface FirmwareSettingsReading {
  settings: Record<string, string>;
  schema?: FirmwareSchemaMap;
  /** BMO's FirmwareSchema name for `schema` (schema-<8 hex>). */
  schemaName?: string;
}

export interface FirmwareSettingsApplied extends FirmwareSettingsReading {
  /** False when every requested value was already current (no PATCH, no reboot: Ironic skips too). */
  changed: boolean;
}

/** One firmware component's version as the BMC reports it (`bios`, `bmc`). */
export interface FirmwareComponentReading {
  component: string;
  version: string;
}

export interface BmcDriver {
  /** Checks reachability and credentials; returns the current power state. */
  register(ctx: OperationContext): Promise<{ poweredOn: boolean }>;
  getPowerState(): Promise<boolean>;
  /** Power on, or off (soft first unless `force`, as Ironic's soft power off with timeout). */
  setPower(ctx: OperationContext, on: boolean, opts?: { force?: boolean }): Promise<void>;
  reboot(ctx: OperationContext, mode: RebootMode): Promise<void>;
  setBootDevice(ctx: OperationContext, device: BootDevice, opts?: BootDeviceOptions): Promise<void>;
  /** Virtual media (Redfish): attach an ISO by URL as the virtual CD, or detach it. */
  insertVirtualMedia?(ctx: OperationContext, imageUrl: string): Promise<void>;
  ejectVirtualMedia?(ctx: OperationContext): Promise<void>;
  /** Secure boot on or off for the next boots (Redfish SecureBoot resource); absent where the BMC cannot. */
  setSecureBoot?(ctx: OperationContext, enabled: boolean): Promise<void>;
  /** Out-of-band inspection (`inspectionMode: fast`), where the BMC can tell. */
  inspectOutOfBand?(ctx: OperationContext): Promise<HardwareDetails>;
  /** BIOS attributes and their registry (HostFirmwareSettings/FirmwareSchema); absent or failing where the BMC has none. */
  readFirmwareSettings?(ctx: OperationContext): Promise<FirmwareSettingsReading>;
  /** Validates, applies with the reboot it needs, and verifies; the power state is left as found. */
  applyFirmwareSettings?(ctx: OperationContext, wanted: Record<string, SettingValue>): Promise<FirmwareSettingsApplied>;
  readFirmwareComponents?(ctx: OperationContext): Promise<FirmwareComponentReading[]>;
  /** Flashes each update (HostFirmwareComponents spec.updates), reboots, and re-reads the versions. */
  updateFirmware?(ctx: OperationContext, updates: readonly FirmwareUpdate[]): Promise<FirmwareComponentReading[]>;
}
