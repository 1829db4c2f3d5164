/** The fake driver's emulated BIOS: validated like a Redfish one, applied once per operation id, failures injectable (`fail: firmware=N`). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDir } from '../../../helpers/temp-dir.js';
import type { OperationContext } from '../../../../src/bmc/driver.js';
import { FakeHardware } from '../../../../src/bmc/fake/fake-hardware.js';
import { parseFakeOptions } from '../../../../src/api/fake-annotations.js';
import { FirmwareSettingsError } from '../../../../src/errors.js';

const ctx = (opId: string): OperationContext => ({ opId, heartbeat: () => undefined, signal: new AbortController().signal });
const dirs: string[] = [];
const dir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'fake-fw-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeTempDir));

describe('fake BIOS', () => {
  it('reads settings with a schema, applies a change once per operation id, and skips what is current', async () => {
    const d = dir();
    const hw = new FakeHardware(d, 'ns/h', parseFakeOptions({}, 0));
    const read = await hw.readFirmwareSettings();
    expect(read.settings.ProcTurboMode).toBe('Enabled');
    expect(read.schema?.NumCores).toMatchObject({ attribute_type: 'Integer', read_only: true });
    expect((await hw.applyFirmwareSettings(ctx('a'), { ProcTurboMode: 'Disabled' })).settings.ProcTurboMode).toBe('Disabled');
    expect((await hw.applyFirmwareSettings(ctx('a'), { ProcTurboMode: 'Disabled' })).changed).toBe(false);
    expect(FakeHardware.read(d, 'ns/h')?.effects.map((e) => e.what)).toEqual(['bios settings ProcTurboMode=Disabled']);
  });

  it('refuses invalid values with BMO texts', async () => {
    const hw = new FakeHardware(dir(), 'ns/h', parseFakeOptions({}, 0));
    await expect(hw.applyFirmwareSettings(ctx('a'), { NumCores: '4' })).rejects.toThrow('BMC fake: Setting NumCores is invalid, it is ReadOnly');
  });

  it('fails the first N firmware operations when told', async () => {
    const hw = new FakeHardware(dir(), 'ns/h', parseFakeOptions({ 'fake.metalflow.io/fail': 'firmware=1' }, 0));
    await expect(hw.applyFirmwareSettings(ctx('a'), { ProcTurboMode: 'Disabled' })).rejects.toBeInstanceOf(FirmwareSettingsError);
    expect((await hw.applyFirmwareSettings(ctx('b'), { ProcTurboMode: 'Disabled' })).changed).toBe(true);
  });

  it('flashes components by bumping the minor version, as sushy-tools does', async () => {
    const hw = new FakeHardware(dir(), 'ns/h', parseFakeOptions({}, 0));
    expect(await hw.updateFirmware(ctx('u'), [{ component: 'bios', url: 'http://fw/b' }])).toContainEqual({ component: 'bios', version: '1.1.0' });
  });
});
