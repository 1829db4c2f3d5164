/**
 * Firmware settings and updates in the host workflow, as BMO drives them through Ironic: applied in
 * `preparing` (manual clean steps there), and on a provisioned or externally provisioned host by
 * servicing (BMO's doServiceIfNeeded): only when its HostUpdatePolicy says `onReboot`, changes are
 * pending, and the host is about to be rebooted or powered on. Servicing is an operational status
 * (`servicing`, errors `servicing error` with the usual backoff and `retry`), never a provisioning
 * state, and writes no image.
 */
import { changedSettings, pendingUpdates, type FirmwareComponentStatus, type FirmwareUpdate, type SettingValue } from '../api/firmware.js';
import { ErrorType, ProvisioningState as S, type ErrorType as ErrorTypeT } from '../api/types.js';
import type { FirmwareResult } from '../contract/index.js';
import { hardware } from './activity-proxies.js';
import type { HostRun } from './host-run.js';

interface FirmwareWork {
  settings: Record<string, SettingValue>;
  updates: FirmwareUpdate[];
}

/** What the host's firmware documents ask that its status does not show done. */
export function firmwareWork(host: Pick<HostRun, 'def' | 'status'>): FirmwareWork {
  const wanted = host.def.firmware;
  const seen = host.status.firmware;
  return { settings: changedSettings(wanted?.settings, seen?.settings), updates: pendingUpdates(wanted?.updates, seen?.updates) };
}

const empty = (w: FirmwareWork): boolean => Object.keys(w.settings).length === 0 && w.updates.length === 0;

/** An available host with pending firmware work goes back to preparing (BMO handleAvailable). */
export function firmwarePending(host: Pick<HostRun, 'def' | 'status'>): boolean {
  return !empty(firmwareWork(host));
}

/** Preparing's firmware step; false when it failed (the host error is set, the caller backs off). */
export async function prepareFirmware(host: HostRun): Promise<boolean> {
  const work = firmwareWork(host);
  if (empty(work)) return true;
  return runFirmware(host, work, ErrorType.Preparation);
}

/**
 * Servicing of a provisioned host, before the power handling (as BMO runs doServiceIfNeeded before
 * the reboot annotations); true when it acted (the caller's handler returns and runs again).
 */
export async function serviceIfNeeded(host: HostRun): Promise<boolean> {
  const state = host.state();
  if (state !== S.Provisioned && state !== S.ExternallyProvisioned) return false;
  const policy = host.def.firmware?.updatePolicy;
  const all = firmwareWork(host);
  const work: FirmwareWork = { settings: policy?.firmwareSettings === 'onReboot' ? all.settings : {}, updates: policy?.firmwareUpdates === 'onReboot' ? all.updates : [] };
  if (empty(work)) return false;
  const rebootDue = host.flags.rebootRequested !== undefined || (host.spec.online && !host.status.poweredOn);
  if (!rebootDue) return false;
  host.servicing = true;
  host.publish();
  const ok = await runFirmware(host, work, ErrorType.Servicing);
  host.servicing = false;
  host.publish();
  if (!ok) await host.waitBackoff();
  return true;
}

async function runFirmware(host: HostRun, work: FirmwareWork, errorType: ErrorTypeT): Promise<boolean> {
  const r = await host.step('configureFirmware', errorType, () => hardware.configureFirmware({ target: host.target(), opId: host.opId('firmware'), settings: work.settings, updates: work.updates }));
  if (!r.ok) return false;
  record(host, r.value, work.updates);
  host.publish();
  return true;
}

/** HFS status.settings and schema, HFC status.components (initial/current/last flashed) and status.updates. */
function record(host: HostRun, result: FirmwareResult, flashed: FirmwareUpdate[]): void {
  const previous = host.status.firmware ?? {};
  const now = new Date().toISOString();
  const components: FirmwareComponentStatus[] = (result.components ?? []).map((c) => {
    const before = previous.components?.find((p) => p.component === c.component);
    const updated = flashed.some((u) => u.component === c.component);
    const version = c.currentVersion ?? '';
    return {
      component: c.component,
      initialVersion: before?.initialVersion ?? c.initialVersion ?? version,
      currentVersion: version,
      ...(updated ? { lastVersionFlashed: version, updatedAt: now } : before?.lastVersionFlashed ? { lastVersionFlashed: before.lastVersionFlashed, ...(before.updatedAt ? { updatedAt: before.updatedAt } : {}) } : {}),
    };
  });
  const updates = [...(previous.updates ?? []).filter((u) => !flashed.some((f) => f.component === u.component)), ...flashed];
  host.status.firmware = {
    ...(result.settings ? { settings: result.settings } : previous.settings ? { settings: previous.settings } : {}),
    ...(result.schemaName ? { schemaName: result.schemaName, schema: result.schema } : previous.schemaName ? { schemaName: previous.schemaName, schema: previous.schema } : {}),
    ...(components.length > 0 ? { components } : previous.components ? { components: previous.components } : {}),
    ...(updates.length > 0 ? { updates } : {}),
  };
}
