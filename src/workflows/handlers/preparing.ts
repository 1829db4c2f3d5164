/** Preparing: the host's pre-provisioning configuration (BMO preparing, Ironic manual cleaning). */
import { raidCleanSteps, raidTarget, softwareVolumes, targetRaidConfig } from '../../api/raid.js';
import { ErrorType } from '../../api/types.js';
import { patched } from '@temporalio/workflow';
import { hardware } from '../activity-proxies.js';
import { prepareFirmware } from '../firmware.js';
import type { HostRun } from '../host-run.js';
import { inBandWorkOf } from '../in-band/work-of-host.js';
import { HostEvent } from '../state-machine.js';

/** Marks runs that configure software RAID in preparing (agent boot, RAID clean steps, power off); runs before it had none. */
export const SOFTWARE_RAID_PATCH = 'software-raid';

export async function preparing(host: HostRun): Promise<void> {
  const r = await host.step('prepareHost', ErrorType.Preparation, () => hardware.prepareHost({ target: host.target(), opId: host.opId('prepare') }), { interruptible: true });
  if (!r.ok) return r.interrupted ? undefined : host.waitBackoff();
  const { spec, status } = host;
  // Only what changed since the last preparation (BMO BuildRAIDCleanSteps against status.provisioning.raid).
  const target = raidTarget(spec.raid, status.provisioning.raid);
  const steps = raidCleanSteps(target, status.provisioning.raid);
  const ran = steps.length > 0 && patched(SOFTWARE_RAID_PATCH);
  if (ran) {
    const volumes = softwareVolumes(target) ?? [];
    const raid = await host.step('configureRaid', ErrorType.Preparation, () => inBandWorkOf(host).configureRaid(host, { steps, targetRaidConfig: targetRaidConfig(volumes) }), { interruptible: true });
    if (!raid.ok) {
      // BMO: after a failed preparation nothing is known about the disks; the next attempt configures from scratch.
      status.provisioning.raid = undefined;
      return raid.interrupted ? undefined : host.waitBackoff();
    }
  }
  // Recorded as applied only when it ran, or when there was nothing to run.
  if (target && (steps.length === 0 || ran)) status.provisioning.raid = JSON.parse(JSON.stringify(target)) as typeof target; // no structuredClone in the sandbox
  if (!(await prepareFirmware(host))) return host.waitBackoff();
  status.provisioning.rootDeviceHints = spec.rootDeviceHints;
  status.provisioning.bootMode = spec.bootMode ?? 'UEFI';
  await host.advance(HostEvent.Prepared);
}
