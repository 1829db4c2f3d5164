/**
 * Host activities: thin adapters from the workflow's steps to the drivers. They unseal Secrets
 * (the only place plain values exist), make every step idempotent through its opId, heartbeat
 * while hardware works, and turn driver errors into typed Temporal failures.
 */
import { Context } from '@temporalio/activity';
import { configDriveContent } from './config-drive-content.js';
import { typed } from './typed-failure.js';
import type { Client } from '@temporalio/client';
import type { HardwareDetails } from '../api/types.js';
import type { DeployRequest } from '../agent/driver.js';
import type { BmcDriver, BootMode, OperationContext } from '../bmc/driver.js';
import { parseBmcAddress } from '../api/bmc-address.js';
import { liveIsoUnsupported } from '../api/boot-media.js';
import { bmcWaitsOf, driversFor, type DriverSettings, type HostDrivers } from './drivers.js';
import { RedfishSystemPathCache } from '../bmc/redfish/system-path-cache.js';
import { DEFAULT_HOST_SETTINGS, type HostSettings } from '../contract/index.js';
import { MissingSecretError, UnsupportedDriverError } from '../errors.js';
import type { Keyring } from '../secrets/keyring.js';
import type { BootAgentInput, BootFromDiskInput, BootLiveIsoInput, CapacityInput, DeprovisionInput, HostBootMode, HostTarget, InspectInput, ProvisionInput, RaidInput, RebootInput, SetPowerInput, StepInput } from '../contract/index.js';
import { configureFirmware } from './firmware-activity.js';
import type { FirmwareInput, FirmwareResult } from '../contract/index.js';
import { busyHostsQuery } from './capacity.js';
import { createSlotActivities } from './provisioning-slots.js';
import type { PowerWatch } from '../bmc/power-watch.js';
import { powerWatchOf } from './power-watch-wiring.js';
import type { WatchPowerInput, WatchPowerResult } from '../contract/index.js';

export interface ActivityDeps {
  keyring: Keyring;
  drivers: DriverSettings;
  settings: HostSettings;
  /** For the provisioning semaphore (and the visibility count of runs from before it) and the power watch's reports (signals). */
  temporal?: Pick<Client, 'workflow'>;
  /** Watches idle hosts' power between syncs (default: one per worker when `temporal` is given). */
  powerWatch?: PowerWatch;
  /** The worker's task queue: at start, its idle hosts are asked to register their power watch again. */
  taskQueue?: string;
  /** Where the power watch's errors go (a report that could not be delivered, a failed rewatch at start). */
  onError?: (what: string, err: unknown) => void;
}

export function createHostActivities(deps: ActivityDeps) {
  const credentialsOf = (target: HostTarget): { username: string; password: string } => {
    if (!target.credentials) throw new MissingSecretError(`host ${target.namespace}/${target.name} has no BMC credentials`);
    const data = deps.keyring.unseal(target.credentials, { namespace: target.namespace, purpose: 'credentials' });
    return { username: data.username ?? '', password: data.password ?? '' };
  };

  // Discovered Redfish system paths outlive one activity's driver (PERF-PLAN change 12).
  const caches = { redfishSystemPaths: new RedfishSystemPathCache() };
  const open = (target: HostTarget): HostDrivers => driversFor(target, deps.drivers, target.credentials ? credentialsOf(target) : undefined, caches);
  const watch = deps.powerWatch ?? powerWatchOf(deps);
  /** The calling host's identity: its watch entry is keyed by it, never by anything in an input. */
  const callerId = (): string => {
    const id = Context.current().info.workflowExecution?.workflowId;
    if (!id) throw new UnsupportedDriverError('the power watch serves host workflows only'); // a standalone activity has no host to key it by
    return id;
  };
  /** Drivers for a step that changes the host: its watch (expecting the old power) ends here. */
  const act = (target: HostTarget): HostDrivers => {
    const id = watch ? Context.current().info.workflowExecution?.workflowId : undefined;
    if (id) watch?.unwatch(id);
    return open(target);
  };

  return {
    ...createSlotActivities(deps.temporal),
    /** The workflow's settings, with the waits this worker's drivers make (its activity timeouts follow them). */
    async loadHostSettings(): Promise<HostSettings> {
      return { ...DEFAULT_HOST_SETTINGS, ...deps.settings, bmcWaits: bmcWaitsOf(deps.drivers) };
    },

    async registerHost(input: StepInput): Promise<{ poweredOn: boolean }> {
      return typed(async () => {
        credentialsOf(input.target); // a host without credentials cannot register
        return act(input.target).bmc.register(operation(input.opId));
      });
    },

    async getPowerState(target: HostTarget): Promise<boolean> {
      return typed(() => open(target).bmc.getPowerState());
    },

    /**
     * Reads the power, then (if it is as the host expects) has this worker watch it every
     * interval and signal the host only when it changes; the host renews this on its safety poll.
     */
    async watchPower(input: WatchPowerInput): Promise<WatchPowerResult> {
      return typed(async () => {
        const key = callerId();
        const { bmc } = open(input.target);
        const poweredOn = await bmc.getPowerState();
        if (!watch || poweredOn !== input.expected) {
          watch?.unwatch(key);
          return { poweredOn, watching: false };
        }
        const watching = watch.watch(key, { expected: input.expected, intervalMs: input.intervalMs, leaseMs: input.leaseMs, read: () => bmc.getPowerState() });
        return { poweredOn, watching };
      });
    },

    /** Ends this worker's watch of the calling host (detached: the host makes no BMC calls); none held is fine. */
    async unwatchPower(): Promise<void> {
      watch?.unwatch(callerId());
    },

    async setPowerState(input: SetPowerInput): Promise<void> {
      return typed(async () => {
        const { bmc } = act(input.target);
        if (!input.on) return powerOff(bmc, input.target, input.opId, input.force ?? false);
        return bmc.setPower(operation(input.opId), true, { force: input.force ?? false });
      });
    },

    async rebootHost(input: RebootInput): Promise<void> {
      return typed(() => act(input.target).bmc.reboot(operation(input.opId), input.mode));
    },

    async inspectHardware(input: InspectInput): Promise<HardwareDetails> {
      return typed(async () => {
        const { bmc, agent } = act(input.target);
        if (input.mode === 'fast' && bmc.inspectOutOfBand) return bmc.inspectOutOfBand(operation(input.opId));
        await bmc.setBootDevice(operation(`${input.opId}/boot-pxe`), 'pxe');
        const hardware = await agent.inspect(operation(input.opId), input.mode);
        await powerOff(bmc, input.target, `${input.opId}/power-off`);
        return hardware;
      });
    },

    /** Manual cleaning (RAID, firmware settings) would run here; nothing to do without them yet. */
    async prepareHost(input: StepInput): Promise<void> {
      return typed(async () => {
        open(input.target);
      });
    },

    /** HostFirmwareSettings/HostFirmwareComponents: apply, flash, and read back for status (preparing, servicing). */
    async configureFirmware(input: FirmwareInput): Promise<FirmwareResult> {
      return typed(() => configureFirmware(act(input.target).bmc, input, operation(input.opId)));
    },
    /** Software RAID by the host's agent driver (fake, simulated agent); real agents: boot-activities agentConfigureRaid. */
    async configureRaid(input: RaidInput): Promise<void> {
      return typed(() => act(input.target).agent.configureRaid(operation(input.opId), input.steps, input.targetRaidConfig));
    },

    async provisionHost(input: ProvisionInput): Promise<void> {
      return typed(async () => {
        const { bmc, agent } = act(input.target);
        if (input.cleanFirst) await agent.clean(operation(`${input.opId}/clean`), 'metadata');
        await agent.deploy(operation(`${input.opId}/deploy`), deployRequest(input, deps.keyring));
        await bmc.setBootDevice(operation(`${input.opId}/boot-disk`), 'disk', { persistent: true, mode: driverBootMode(input.bootMode) });
        if (input.online) await bmc.setPower(operation(`${input.opId}/power`), true);
        else await powerOff(bmc, input.target, `${input.opId}/power`, false);
      });
    },

    async deprovisionHost(input: DeprovisionInput): Promise<void> {
      return typed(async () => {
        const { bmc, agent } = act(input.target);
        if (input.cleaningMode === 'metadata') await agent.clean(operation(`${input.opId}/clean`), 'metadata');
        await powerOff(bmc, input.target, `${input.opId}/power-off`);
      });
    },

    /**
     * Boots the agent ramdisk: by network unless `media` is given, else by what the BMC address
     * says (virtual media: the ISO as the virtual CD, one-time Cd; redfish-uefihttp: one-time
     * UefiHttp at the ISO), in the host's boot mode; secure boot off for a UEFISecureBoot host
     * (the agent is not signed, as Ironic); then power on (or power-cycle a running host).
     */
    async bootAgent(input: BootAgentInput): Promise<void> {
      return typed(async () => {
        const { bmc } = act(input.target);
        const mode = driverBootMode(input.bootMode);
        const method = input.media ? parseBmcAddress(input.target.bmcAddress).bootMethod : 'pxe';
        if (input.media && method === 'virtualmedia') {
          await insertMedia(bmc, input, input.media.url, 'boot-cd');
          await bmc.setBootDevice(operation(`${input.opId}/boot-cd`), 'cdrom', { mode });
        } else if (input.media && method === 'uefihttp') {
          await bmc.setBootDevice(operation(`${input.opId}/boot-http`), 'uefihttp', { mode, httpBootUri: input.media.url });
        } else if (input.media) {
          throw new UnsupportedDriverError(`BMC driver ${schemeOf(input.target)} network-boots the agent; it cannot boot it from media`);
        } else {
          await bmc.setBootDevice(operation(`${input.opId}/boot-pxe`), 'pxe', { mode });
        }
        if (input.bootMode === 'UEFISecureBoot') await secureBoot(bmc, input, false);
        const on = await bmc.getPowerState();
        if (on && input.target.disablePowerOff) return bmc.reboot(operation(`${input.opId}/reboot`), 'hard');
        if (on) await bmc.setPower(operation(`${input.opId}/power-off`), false, { force: true });
        await bmc.setPower(operation(`${input.opId}/power-on`), true);
      });
    },

    /**
     * After the agent's work: power off, eject the virtual media (virtual-media hosts), boot from
     * disk from now on in the host's boot mode, secure boot on for UEFISecureBoot, power on if the
     * host should be online.
     */
    async bootFromDisk(input: BootFromDiskInput): Promise<void> {
      return typed(async () => {
        const { bmc } = act(input.target);
        const noOff = input.target.disablePowerOff === true;
        if (!noOff) await bmc.setPower(operation(`${input.opId}/power-off`), false, { force: true });
        if (parseBmcAddress(input.target.bmcAddress).bootMethod === 'virtualmedia') await bmc.ejectVirtualMedia?.(operation(`${input.opId}/eject`));
        await bmc.setBootDevice(operation(`${input.opId}/boot-disk`), 'disk', { persistent: true, mode: driverBootMode(input.bootMode) });
        if (input.bootMode === 'UEFISecureBoot') await secureBoot(bmc, input, true);
        if (noOff) await powerOnOrReboot(bmc, `${input.opId}/reboot`);
        else if (input.on) await bmc.setPower(operation(`${input.opId}/power-on`), true);
      });
    },

    /** live-iso: the image itself as the virtual CD, booted persistently (Ironic's ramdisk deploy with boot_iso); no agent. */
    async bootLiveIso(input: BootLiveIsoInput): Promise<void> {
      return typed(async () => {
        if (parseBmcAddress(input.target.bmcAddress).bootMethod !== 'virtualmedia') throw new UnsupportedDriverError(liveIsoUnsupported(schemeOf(input.target)));
        const { bmc } = act(input.target);
        const noOff = input.target.disablePowerOff === true;
        if (!noOff) await bmc.setPower(operation(`${input.opId}/power-off`), false, { force: true });
        await insertMedia(bmc, input, input.media.url, 'live-iso');
        await bmc.setBootDevice(operation(`${input.opId}/boot-cd`), 'cdrom', { persistent: true, mode: driverBootMode(input.bootMode) });
        if (input.bootMode === 'UEFISecureBoot') await secureBoot(bmc, input, true);
        if (noOff) await powerOnOrReboot(bmc, `${input.opId}/reboot`);
        else if (input.on) await bmc.setPower(operation(`${input.opId}/power-on`), true);
      });
    },

    async forgetHost(input: StepInput): Promise<void> {
      return typed(() => act(input.target).agent.forget(operation(input.opId)));
    },

    /** BMO HasCapacity: fewer than `limit` other hosts inspecting/provisioning/deprovisioning. */
    async hasProvisioningCapacity(input: CapacityInput): Promise<boolean> {
      if (input.limit <= 0 || !deps.temporal) return true;
      const { count } = await deps.temporal.workflow.count(busyHostsQuery(input.workflowId, Context.current().info.taskQueue, input.busyStates ?? SCHEDULED_BEFORE_BUSY_STATES));
      return count < input.limit;
    },
  };
}

export type HostActivities = ReturnType<typeof createHostActivities>;

/** For a capacity check scheduled by a workflow from before the states table sent `busyStates`. */
const SCHEDULED_BEFORE_BUSY_STATES = ['inspecting', 'provisioning', 'deprovisioning'];

/** The driver's boot mode for the host's spec.bootMode (UEFI unless legacy; UEFISecureBoot is UEFI plus secure boot). */
function driverBootMode(mode: HostBootMode | undefined): BootMode {
  return mode === 'legacy' ? 'legacy' : 'UEFI';
}

function schemeOf(target: HostTarget): string {
  return parseBmcAddress(target.bmcAddress).scheme;
}

async function insertMedia(bmc: BmcDriver, input: StepInput, url: string, step: string): Promise<void> {
  if (!bmc.insertVirtualMedia) throw new UnsupportedDriverError(`BMC driver ${schemeOf(input.target)} has no virtual media`);
  // The driver ejects whatever else is inserted first (and keeps the same image: a retried step).
  await bmc.insertVirtualMedia(operation(`${input.opId}/${step}`), url);
}

async function secureBoot(bmc: BmcDriver, input: StepInput, enabled: boolean): Promise<void> {
  if (!bmc.setSecureBoot) throw new UnsupportedDriverError(`BMC driver ${schemeOf(input.target)} does not support secure boot`);
  await bmc.setSecureBoot(operation(`${input.opId}/secure-boot-${enabled ? 'on' : 'off'}`), enabled);
}

/** A power off, or for a disablePowerOff host a reboot (Ironic's disable_power_off). */
async function powerOff(bmc: BmcDriver, target: HostTarget, opId: string, force = true): Promise<void> {
  if (target.disablePowerOff) return bmc.reboot(operation(opId), force ? 'hard' : 'soft');
  return bmc.setPower(operation(opId), false, { force });
}

/** A disablePowerOff host after its boot device changed: rebooted if it runs, else powered on. */
async function powerOnOrReboot(bmc: BmcDriver, opId: string): Promise<void> {
  if (await bmc.getPowerState()) return bmc.reboot(operation(opId), 'hard');
  return bmc.setPower(operation(opId), true);
}

function operation(opId: string): OperationContext {
  const ctx = Context.current();
  return { opId, heartbeat: (d) => ctx.heartbeat(d), signal: ctx.cancellationSignal };
}


function deployRequest(input: ProvisionInput, keyring: Keyring): DeployRequest {
  const t = input.target;
  return {
    image: input.image,
    ...(input.rootDeviceHints ? { rootDeviceHints: input.rootDeviceHints } : {}),
    ...(input.bootMode ? { bootMode: input.bootMode } : {}),
    configDrive: configDriveContent({ uuid: t.uid, name: t.name, namespace: t.namespace }, input.secrets, keyring),
  };
}
