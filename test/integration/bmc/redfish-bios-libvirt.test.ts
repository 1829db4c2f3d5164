/**
 * BIOS settings and firmware updates against sushy-tools 2.2.0 (feature set `full`): its libvirt
 * driver keeps BIOS attributes and BiosVersion in the domain's metadata, serves a static attribute
 * registry, applies a PATCH of Bios/Settings at once (no pending values) and emulates SimpleUpdate
 * by bumping BiosVersion's minor number without fetching the image (the task it returns is static
 * and Completed; Manager targets are refused). Its fake driver has no Bios resource at all.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDir } from '../../helpers/temp-dir.js';
import { parseBmcAddress } from '../../../src/api/bmc-address.js';
import type { OperationContext } from '../../../src/bmc/driver.js';
import { RedfishDriver } from '../../../src/bmc/redfish/redfish-driver.js';
import { FirmwareSettingsError, RedfishRequestError, UnsupportedDriverError } from '../../../src/errors.js';
import { startLibvirtLab, type LibvirtLab } from '../../../lab/libvirt-lab.js';
import { startSushy, type Sushy } from '../../../lab/sushy-emulator.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-redfish-bios-'));
const ctx = (): OperationContext => ({ opId: 'op', heartbeat: () => undefined, signal: new AbortController().signal });
const fast = { pollMs: 250, powerStateTimeoutMs: 60_000, softPowerOffTimeoutMs: 20_000, retryDelayMs: 100, firmware: { pollMs: 250, verifyTimeoutMs: 5_000, taskTimeoutMs: 30_000 } };
const FAKE = { uuid: '33333333-3333-4333-8333-333333333333', name: 'fake-node', mac: '52:54:00:cc:00:03' };
let lab: LibvirtLab;
let fake: Sushy;

beforeAll(async () => {
  [lab, fake] = await Promise.all([
    startLibvirtLab({ dir: join(dir, 'lab'), machines: [{ name: 'node', firmware: 'legacy' }], featureSets: ['full'] }),
    startSushy({ dir: join(dir, 'fake'), systems: [FAKE], username: 'admin', password: 'pw' }),
  ]);
}, 180_000);

afterAll(async () => {
  await lab?.stop();
  await fake?.stop();
  removeTempDir(dir);
});

const driver = (): RedfishDriver => new RedfishDriver(parseBmcAddress(lab.bmcAddress('node', 'redfish+http', 'full')), lab.credentials, true, fast);
const sushyLog = (): string => readFileSync(lab.bmc('full').logFile, 'utf8');
const powerRequests = (): string[] => lab.bmc('full').requests().filter((r) => r.kind === 'power' && r.system === lab.machine('node').uuid).map((r) => (r.kind === 'power' ? r.reset : ''));

describe('BIOS settings on sushy-tools libvirt driver (feature set full)', () => {
  it('reads the attributes and the registry as a FirmwareSchema', async () => {
    const r = await driver().readFirmwareSettings();
    expect(r.settings).toMatchObject({ ProcTurboMode: 'Enabled', NumCores: '10', L2Cache: '10x256 KB', QuietBoot: 'true', BootMode: 'Uefi' });
    expect(r.schema?.ProcTurboMode).toEqual({ attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'], read_only: false });
    expect(r.schema?.NumCores).toEqual({ attribute_type: 'Integer', lower_bound: 10, upper_bound: 20, read_only: true, unique: false });
    expect(r.schema?.L2Cache).toMatchObject({ attribute_type: 'String', max_length: 16, min_length: 0 });
    expect(r.schema?.SysPassword).toMatchObject({ attribute_type: 'Password' });
    expect(r.schemaName).toMatch(/^schema-[0-9a-f]{8}$/);
  });

  it('rejects bad values with BMO texts and sends nothing', async () => {
    const err = await driver()
      .applyFirmwareSettings(ctx(), { NumCores: 'abc', ProcTurboMode: 'Sometimes', L2Cache: 'x'.repeat(17), QuietBoot: 'yes' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareSettingsError);
    expect((err as Error).message).toContain('Setting NumCores is invalid, it is ReadOnly');
    expect((err as Error).message).toContain('Setting ProcTurboMode is invalid, unknown enumeration value - Sometimes');
    expect((err as Error).message).toContain(`Setting L2Cache is invalid, string ${'x'.repeat(17)} length is above maximum length 16`);
    expect((err as Error).message).toContain('Setting QuietBoot is invalid, yes is not a boolean');
    expect(sushyLog()).not.toContain('BIOS attributes');
  });

  it('applies ProcTurboMode with a power cycle and reads it back; the same value again changes nothing', async () => {
    const before = powerRequests().length;
    const r = await driver().applyFirmwareSettings(ctx(), { ProcTurboMode: 'Disabled' });
    expect(r.changed).toBe(true);
    expect(r.settings.ProcTurboMode).toBe('Disabled');
    expect(sushyLog()).toContain(`BIOS attributes "{'ProcTurboMode': 'Disabled'}" updated`);
    // The machine was off: on (the reset that applies), then off again as found.
    expect(powerRequests().slice(before)).toEqual(['On', 'ForceOff']);
    expect((await driver().readFirmwareSettings()).settings.ProcTurboMode).toBe('Disabled');
    const again = await driver().applyFirmwareSettings(ctx(), { ProcTurboMode: 'Disabled' });
    expect(again.changed).toBe(false);
    expect(powerRequests().length).toBe(before + 2);
  });

  it('updates the bios component by SimpleUpdate: BiosVersion 1.0.0 → 1.1.0 (the emulator fetches no image)', async () => {
    expect(await driver().readFirmwareComponents()).toContainEqual({ component: 'bios', version: '1.0.0' });
    const after = await driver().updateFirmware(ctx(), [{ component: 'bios', url: 'http://127.0.0.1:9/never-fetched/bios.bin' }]);
    expect(after).toContainEqual({ component: 'bios', version: '1.1.0' });
    expect(sushyLog()).toContain('new version is "1.1.0"');
  });

  it('cannot update the bmc component there: sushy-tools refuses Manager targets', async () => {
    const err = await driver().updateFirmware(ctx(), [{ component: 'bmc', url: 'http://127.0.0.1:9/bmc.bin' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedfishRequestError);
    expect((err as Error).message).toContain('Manager is not currently a supported Target.');
  });
});

describe('sushy-tools fake driver', () => {
  it('has no Bios resource: firmware settings are not supported, and the error names the BMC', async () => {
    const d = new RedfishDriver(parseBmcAddress(`redfish+${fake.url}${fake.systemPath(FAKE.uuid)}`), { username: 'admin', password: 'pw' }, true, fast);
    const err = await d.readFirmwareSettings().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedDriverError);
    expect((err as Error).message).toBe(`BMC ${fake.url} has no Redfish Bios resource: firmware settings are not supported`);
  });
});
