/**
 * The BMC driver interface: what the host workflow's activities need from any BMC (fake, Redfish,
 * IPMI). The workflow never sees which one is behind it.
 */
import type { HardwareDetails } from '../api/types.js';
import type { RebootMode } from '../contract.js';

/** Given to every driver call that changes something; `opId` makes retries of one step idempotent. */
export interface OperationContext {
  /** Deterministic id of this step, chosen by the workflow; a retried activity reuses it. */
  opId: string;
  /** Tells Temporal the activity is alive (and lets it notice cancellation). */
  heartbeat(details?: unknown): void;
  /** Aborted when the workflow cancels the step (delete, deprovision) or the worker shuts down. */
  signal: AbortSignal;
}

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
  /** Out-of-band inspection (`inspectionMode: fast`), where the BMC can tell. */
  inspectOutOfBand?(ctx: OperationContext): Promise<HardwareDetails>;
}
