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
import type { OperationContext } from '../bmc/driver.js';
import { bmcWaitsOf, driversFor, type DriverSettings, type HostDrivers } from './drivers.js';
import { DEFAULT_HOST_SETTINGS, type HostSettings } from '../contract/index.js';
import { MissingSecretError } from '../errors.js';
import type { Keyring } from '../secrets/keyring.js';
import type { CapacityInput, DeprovisionInput, HostTarget, InspectInput, ProvisionInput, RebootInput, SetPowerInput, StepInput } from '../contract/index.js';
import { busyHostsQuery } from './capacity.js';

export interface ActivityDeps {
  keyring: Keyring;
  drivers: DriverSettings;
  settings: HostSettings;
  /** For the provisioning-capacity count (visibility). */
  temporal?: Pick<Client, 'workflow'>;
}

export function createHostActivities(deps: ActivityDeps) {
  const credentialsOf = (target: HostTarget): { username: string; password: string } => {
    if (!target.credentials) throw new MissingSecretError(`host ${target.namespace}/${target.name} has no BMC credentials`);
    const data = deps.keyring.unseal(target.credentials, { namespace: target.namespace, purpose: 'credentials' });
    return { username: data.username ?? '', password: data.password ?? '' };
  };

  const open = (target: HostTarget): HostDrivers => driversFor(target, deps.drivers, target.credentials ? credentialsOf(target) : undefined);

  return {
    /** The workflow's settings, with the waits this worker's drivers make (its activity timeouts follow them). */
    async loadHostSettings(): Promise<HostSettings> {
      return { ...DEFAULT_HOST_SETTINGS, ...deps.settings, bmcWaits: bmcWaitsOf(deps.drivers) };
    },

    async registerHost(input: StepInput): Promise<{ poweredOn: boolean }> {
      return typed(async () => {
        credentialsOf(input.target); // a host without credentials cannot register
        return open(input.target).bmc.register(operation(input.opId));
      });
    },

    async getPowerState(target: HostTarget): Promise<boolean> {
      return typed(() => open(target).bmc.getPowerState());
    },

    async setPowerState(input: SetPowerInput): Promise<void> {
      return typed(() => open(input.target).bmc.setPower(operation(input.opId), input.on, { force: input.force ?? false }));
    },

    async rebootHost(input: RebootInput): Promise<void> {
      return typed(() => open(input.target).bmc.reboot(operation(input.opId), input.mode));
    },

    async inspectHardware(input: InspectInput): Promise<HardwareDetails> {
      return typed(async () => {
        const { bmc, agent } = open(input.target);
        if (input.mode === 'fast' && bmc.inspectOutOfBand) return bmc.inspectOutOfBand(operation(input.opId));
        await bmc.setBootDevice(operation(`${input.opId}/boot-pxe`), 'pxe');
        const hardware = await agent.inspect(operation(input.opId), input.mode);
        await bmc.setPower(operation(`${input.opId}/power-off`), false, { force: true });
        return hardware;
      });
    },

    /** Manual cleaning (RAID, firmware settings) would run here; nothing to do without them yet. */
    async prepareHost(input: StepInput): Promise<void> {
      return typed(async () => {
        open(input.target);
      });
    },

    async provisionHost(input: ProvisionInput): Promise<void> {
      return typed(async () => {
        const { bmc, agent } = open(input.target);
        if (input.cleanFirst) await agent.clean(operation(`${input.opId}/clean`), 'metadata');
        await agent.deploy(operation(`${input.opId}/deploy`), deployRequest(input, deps.keyring));
        await bmc.setBootDevice(operation(`${input.opId}/boot-disk`), 'disk', { persistent: true });
        await bmc.setPower(operation(`${input.opId}/power`), input.online);
      });
    },

    async deprovisionHost(input: DeprovisionInput): Promise<void> {
      return typed(async () => {
        const { bmc, agent } = open(input.target);
        if (input.cleaningMode === 'metadata') await agent.clean(operation(`${input.opId}/clean`), 'metadata');
        await bmc.setPower(operation(`${input.opId}/power-off`), false, { force: true });
      });
    },

    /** Boots the agent ramdisk: network boot next, then power on (or power-cycle a running host). */
    async bootAgent(input: StepInput): Promise<void> {
      return typed(async () => {
        const { bmc } = open(input.target);
        await bmc.setBootDevice(operation(`${input.opId}/boot-pxe`), 'pxe');
        if (await bmc.getPowerState()) await bmc.setPower(operation(`${input.opId}/power-off`), false, { force: true });
        await bmc.setPower(operation(`${input.opId}/power-on`), true);
      });
    },

    /** After deployment: power off, boot from disk from now on, power on if the host should be online. */
    async bootFromDisk(input: SetPowerInput): Promise<void> {
      return typed(async () => {
        const { bmc } = open(input.target);
        await bmc.setPower(operation(`${input.opId}/power-off`), false, { force: true });
        await bmc.setBootDevice(operation(`${input.opId}/boot-disk`), 'disk', { persistent: true });
        if (input.on) await bmc.setPower(operation(`${input.opId}/power-on`), true);
      });
    },

    async forgetHost(input: StepInput): Promise<void> {
      return typed(() => open(input.target).agent.forget(operation(input.opId)));
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
