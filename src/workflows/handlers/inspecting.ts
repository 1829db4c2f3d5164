/** Inspecting: the hardware inventory, by the agent or out of band (`inspectionMode: fast`). */
import { Annotation, inspectionRefreshRequested } from '../../api/annotations.js';
import { ErrorType } from '../../api/types.js';
import type { HostRun } from '../host-run.js';
import { inBandWorkOf } from '../in-band/work-of-host.js';
import { HostEvent } from '../state-machine.js';

export async function inspecting(host: HostRun): Promise<void> {
  const { status } = host;
  status.operationHistory.inspect = { start: new Date().toISOString(), end: null };
  // BMO actionInspecting: a started inspection consumes the re-inspect request and the base reboot annotation.
  const a = host.annotations;
  if (host.acts(inspectionRefreshRequested(a) || Annotation.reboot in a)) {
    host.removeAnnotations([...(inspectionRefreshRequested(a) ? [Annotation.inspect] : []), Annotation.reboot]);
  }
  const mode = host.spec.inspectionMode === 'fast' ? 'fast' : 'agent';
  const r = await host.step('inspectHardware', ErrorType.Inspection, () => inBandWorkOf(host).inspect(host, mode), { interruptible: true });
  if (!r.ok) return r.interrupted ? undefined : host.waitBackoff();
  status.hardware = r.value;
  status.poweredOn = host.powerOffDisabled(); // rebooted instead of powered off
  status.operationHistory.inspect.end = new Date().toISOString();
  await host.advance(HostEvent.Inspected);
}
