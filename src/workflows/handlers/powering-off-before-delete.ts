/** Powering off before delete: the last thing done to a host's hardware. */
import { ErrorType } from '../../api/types.js';
import type { HostRun } from '../host-run.js';
import { HostEvent, MAX_DELETE_FAILURES } from '../state-machine.js';

export async function poweringOffBeforeDelete(host: HostRun): Promise<void> {
  // disablePowerOff: the host is left running (Ironic never powers such a node off).
  if (host.powerOffDisabled()) return void (await host.advance(HostEvent.PoweredOff));
  const r = await host.step('setPowerState', ErrorType.PowerManagement, () => host.bmc('setPowerState').setPowerState({ target: host.target(), opId: host.opId('power-off-delete'), on: false, force: true }));
  if (!r.ok) {
    if (++host.deleteFailures > MAX_DELETE_FAILURES) return void (await host.advance(HostEvent.GiveUp));
    return host.waitBackoff();
  }
  host.status.poweredOn = false;
  await host.advance(HostEvent.PoweredOff);
}
