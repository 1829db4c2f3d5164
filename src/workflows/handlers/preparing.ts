/** Preparing: the host's pre-provisioning configuration (BMO preparing, Ironic manual cleaning). */
import { ErrorType } from '../../api/types.js';
import { hardware } from '../activity-proxies.js';
import { prepareFirmware } from '../firmware.js';
import type { HostRun } from '../host-run.js';
import { HostEvent } from '../state-machine.js';

export async function preparing(host: HostRun): Promise<void> {
  const r = await host.step('prepareHost', ErrorType.Preparation, () => hardware.prepareHost({ target: host.target(), opId: host.opId('prepare') }), { interruptible: true });
  if (!r.ok) return r.interrupted ? undefined : host.waitBackoff();
  if (!(await prepareFirmware(host))) return host.waitBackoff();
  host.status.provisioning.rootDeviceHints = host.spec.rootDeviceHints;
  host.status.provisioning.bootMode = host.spec.bootMode ?? 'UEFI';
  await host.advance(HostEvent.Prepared);
}
