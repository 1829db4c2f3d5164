/** Deprovisioning: clean the disks and power off; also the clean-up after a failed provisioning. */
import { ErrorType } from '../../api/types.js';
import type { HostRun } from '../host-run.js';
import { inBandWorkOf } from '../in-band/work-of-host.js';
import { bootsLiveIso, leaveLiveIso } from '../live-iso.js';
import { HostEvent, MAX_DELETE_FAILURES } from '../state-machine.js';

export async function deprovisioning(host: HostRun): Promise<void> {
  const { status } = host;
  // Cleaning up after a failed provisioning attempt (not an operator's deprovision, nor a retry of a failed one).
  const afterFailure = status.provisioningFailCount > 0;
  if (status.operationHistory.deprovision.end !== null || status.operationHistory.deprovision.start === null) {
    status.operationHistory.deprovision = { start: new Date().toISOString(), end: null };
  }
  // A live ISO (provisioned, or half-booted by a failed attempt) is ejected first.
  const liveIso = bootsLiveIso(host, status.provisioning.image ?? host.spec.image);
  const r = await host.step(
    'deprovisionHost',
    ErrorType.Provisioning,
    async () => {
      if (liveIso) await leaveLiveIso(host);
      await inBandWorkOf(host).deprovision(host, host.spec.automatedCleaningMode ?? 'metadata');
    },
    { keepError: afterFailure }, // the provisioning error stays until a provisioning attempt succeeds
  );
  if (!r.ok) {
    if (host.flags.deleting && ++host.deleteFailures > MAX_DELETE_FAILURES) return void (await host.advance(HostEvent.GiveUp));
    return host.waitBackoff();
  }
  delete status.provisioning.image;
  status.poweredOn = host.powerOffDisabled(); // rebooted instead of powered off
  status.operationHistory.deprovision.end = new Date().toISOString();
  await host.advance(HostEvent.Deprovisioned);
}
