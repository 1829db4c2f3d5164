/**
 * The firmware step of preparing and servicing (Ironic's bios apply_configuration and firmware
 * update steps): apply the requested BIOS settings, flash the requested components, and read both
 * back for the host's status. A driver without the methods cannot: a typed error names it.
 */
import type { BmcDriver, OperationContext } from '../bmc/driver.js';
import type { FirmwareInput, FirmwareResult } from '../contract/index.js';
import { UnsupportedDriverError } from '../errors.js';

/** Heartbeats between BMC requests that do not (a registry read is many GETs). */
const HEARTBEAT_EVERY_MS = 5_000;

export async function configureFirmware(bmc: BmcDriver, input: FirmwareInput, ctx: OperationContext): Promise<FirmwareResult> {
  const scheme = input.target.bmcAddress.split(':')[0] ?? '';
  const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    const result: FirmwareResult = {};
    const settings = input.settings ?? {};
    if (Object.keys(settings).length > 0) {
      if (!bmc.applyFirmwareSettings) throw new UnsupportedDriverError(`BMC driver ${scheme} does not support firmware settings`, { driver: scheme });
      const applied = await bmc.applyFirmwareSettings({ ...ctx, opId: `${input.opId}/settings` }, settings);
      Object.assign(result, { settings: applied.settings, ...(applied.schema ? { schema: applied.schema, schemaName: applied.schemaName } : {}) });
    } else if (bmc.readFirmwareSettings) {
      const read = await bmc.readFirmwareSettings(ctx).catch((err: unknown) => {
        // Nothing was asked of the BIOS: a BMC without one only leaves the status without settings.
        if (err instanceof UnsupportedDriverError) return undefined;
        throw err;
      });
      if (read) Object.assign(result, { settings: read.settings, ...(read.schema ? { schema: read.schema, schemaName: read.schemaName } : {}) });
    }
    const updates = input.updates ?? [];
    if (updates.length > 0) {
      if (!bmc.updateFirmware) throw new UnsupportedDriverError(`BMC driver ${scheme} does not support firmware updates`, { driver: scheme });
      const before = bmc.readFirmwareComponents ? await bmc.readFirmwareComponents(ctx) : [];
      const after = await bmc.updateFirmware({ ...ctx, opId: `${input.opId}/updates` }, updates);
      result.components = after.map((c) => {
        const initial = before.find((b) => b.component === c.component)?.version;
        return { component: c.component, currentVersion: c.version, ...(initial !== undefined ? { initialVersion: initial } : {}) };
      });
    } else if (bmc.readFirmwareComponents) {
      result.components = (await bmc.readFirmwareComponents(ctx)).map((c) => ({ component: c.component, currentVersion: c.version }));
    }
    return result;
  } finally {
    clearInterval(beat);
  }
}
