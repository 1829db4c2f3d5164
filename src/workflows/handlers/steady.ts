/**
 * The stable states (unmanaged, available, provisioned, externally provisioned): reboots, power
 * enforcement and the power sync (idle-power.ts: watched by the worker); returns when something may have changed.
 */
import { ErrorType, ProvisioningState as S } from '../../api/types.js';
import { retryLimitMessage, retryLimitReached } from '../desired-event.js';
import { serviceIfNeeded } from '../firmware.js';
import type { HostRun } from '../host-run.js';
import { hostMetrics } from '../metrics.js';
import { idleWait } from '../idle-power.js';
import { rebootByAnnotation } from '../reboot-annotations.js';
import { StateTrait, stateIs } from '../state-machine.js';

export async function steady(host: HostRun): Promise<void> {
  const { status, flags } = host;
  const s = host.state();
  const powerManaged = stateIs(s, StateTrait.powerManaged);
  if (host.delayed) {
    host.delayed = false; // the desire that needed a slot went away
    host.publish();
  }
  if (powerManaged && (await serviceIfNeeded(host))) return;
  if (flags.rebootRequested && powerManaged) {
    const mode = flags.rebootRequested;
    const r = await host.step('rebootHost', ErrorType.PowerManagement, () => host.bmc('rebootHost').rebootHost({ target: host.target(), opId: host.opId(`reboot-${mode}`), mode }));
    if (!r.ok) return host.waitBackoff();
    delete flags.rebootRequested;
    status.poweredOn = true;
    host.publish();
    return;
  }
  const reboot = powerManaged ? await rebootByAnnotation(host) : undefined;
  if (reboot === 'acted') return;
  // A powerOff signal on a disablePowerOff host (apply refuses online: false with it) is not obeyed.
  const offRefused = !host.spec.online && status.poweredOn && host.powerOffDisabled();
  if (powerManaged && reboot !== 'held' && !offRefused && host.spec.online !== status.poweredOn) {
    const on = host.spec.online;
    hostMetrics.powerChange(host.hostKey(), on);
    const r = await host.step('setPowerState', ErrorType.PowerManagement, () => host.bmc('setPowerState').setPowerState({ target: host.target(), opId: host.opId(on ? 'power-on' : 'power-off'), on }));
    if (!r.ok) return host.waitBackoff();
    status.poweredOn = on;
    host.publish();
    return;
  }
  if (s === S.Available && retryLimitReached(host.desireInput()) && host.spec.online) {
    const message = retryLimitMessage(status.provisioningFailCount, host.settings.maxProvisioningRetries);
    if (status.errorMessage !== message) {
      status.errorType = ErrorType.Provisioning;
      status.errorMessage = message;
      host.publish();
    }
  }
  if (reboot !== 'held') host.currentStep = s === S.Unmanaged ? 'waiting for BMC details' : offRefused ? 'waiting (power off disabled: spec.disablePowerOff)' : 'waiting (power sync)';
  if (await idleWait(host, powerManaged, host.currentStep)) return;
  const woken = await host.sleep(host.settings.powerSyncIntervalMs);
  if (!woken && powerManaged) {
    const r = await host.step('getPowerState', ErrorType.PowerManagement, () => host.bmc('getPowerState').getPowerState(host.target()));
    if (!r.ok) return host.waitBackoff();
    if (status.poweredOn !== r.value) {
      status.poweredOn = r.value;
      host.publish();
    }
  }
}
