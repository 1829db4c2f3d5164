/** BMO's firmware validation texts: SettingSchema.Validate, validateHostFirmwareSettings, HFC names and URLs. */
import { describe, expect, it } from 'vitest';
import { changedSettings, pendingUpdates, validateFirmwareSettings, validateFirmwareUpdates, validateSetting } from '../../../src/api/firmware.js';

describe('SettingSchema.Validate (BMO texts)', () => {
  const cases: Array<[string, string | number, Parameters<typeof validateSetting>[2], string | undefined]> = [
    ['NumCores', '12', { attribute_type: 'Integer', read_only: true }, 'Setting NumCores is invalid, it is ReadOnly'],
    ['SysPassword', 'x', { attribute_type: 'String' }, "Setting SysPassword is invalid, Password fields can't be set"],
    ['ProcTurboMode', 'Maybe', { attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'] }, 'Setting ProcTurboMode is invalid, unknown enumeration value - Maybe'],
    ['ProcTurboMode', 'Disabled', { attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'] }, undefined],
    ['Cores', 'abc', { attribute_type: 'Integer' }, 'Setting Cores is invalid, String abc entered while integer expected'],
    ['Cores', 5, { attribute_type: 'Integer', lower_bound: 10, upper_bound: 20 }, 'Setting Cores is invalid, integer 5 is below minimum value 10'],
    ['Cores', '21', { attribute_type: 'Integer', lower_bound: 10, upper_bound: 20 }, 'Setting Cores is invalid, integer 21 is above maximum value 20'],
    ['Cores', '15', { attribute_type: 'Integer', lower_bound: 10, upper_bound: 20 }, undefined],
    ['L2Cache', '', { attribute_type: 'String', min_length: 1, max_length: 4 }, 'Setting L2Cache is invalid, string  length is below minimum length 1'],
    ['L2Cache', 'abcde', { attribute_type: 'String', min_length: 1, max_length: 4 }, 'Setting L2Cache is invalid, string abcde length is above maximum length 4'],
    ['QuietBoot', 'yes', { attribute_type: 'Boolean' }, 'Setting QuietBoot is invalid, yes is not a boolean'],
    ['QuietBoot', 'false', { attribute_type: 'Boolean' }, undefined],
    ['Secret', 'x', { attribute_type: 'Password' }, 'Setting Secret is invalid, passwords are immutable'],
    ['Odd', 'x', { attribute_type: 'Float' }, 'Setting Odd is invalid, unexpected attribute type Float'],
    ['NoRegistry', 'x', {}, undefined],
  ];
  it.each(cases)('%s = %s', (name, value, schema, message) => {
    expect(validateSetting(name, value, schema)).toBe(message);
  });
});

describe('HostFirmwareSettings against the BMC', () => {
  it('rejects Password names, settings the BMC does not report, and settings outside the schema', () => {
    const errors = validateFirmwareSettings({ SysPassword: 'x', Nope: '1', Extra: '1', ProcTurboMode: 'Off' }, { ProcTurboMode: 'Enabled', Extra: '2' }, { ProcTurboMode: { attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'] } });
    expect(errors).toEqual([
      'cannot set Password field',
      'setting Nope is not in the Status field',
      'Setting Extra is invalid, it is not in the associated schema',
      'Setting ProcTurboMode is invalid, unknown enumeration value - Off',
    ]);
  });

  it('accepts any reported setting when the BMC has no registry (BMO: allow the set)', () => {
    expect(validateFirmwareSettings({ A: 'x' }, { A: 'y' }, undefined)).toEqual([]);
  });

  it('finds what changed and which updates are pending', () => {
    expect(changedSettings({ A: 1, B: 'x' }, { A: '1', B: 'y' })).toEqual({ B: 'x' });
    expect(pendingUpdates([{ component: 'bios', url: 'http://a/1' }, { component: 'bmc', url: 'http://a/2' }], [{ component: 'bios', url: 'http://a/1' }])).toEqual([{ component: 'bmc', url: 'http://a/2' }]);
  });
});

describe('HostFirmwareComponents updates (BMO texts)', () => {
  it('allows bmc, bios and nic:* with http(s) URLs', () => {
    expect(validateFirmwareUpdates([{ component: 'bios', url: 'https://fw/bios.bin' }, { component: 'bmc', url: 'http://fw/bmc.bin' }, { component: 'nic:1', url: 'oci://r/nic' }])).toEqual([]);
  });

  it('rejects other names and bad URLs', () => {
    expect(validateFirmwareUpdates([{ component: 'raid', url: 'https://fw/x' }, { component: 'bios', url: 'file:///x' }, { component: 'bmc', url: 'not a url' }])).toEqual([
      "spec.updates[0].component: component raid is invalid, only 'bmc', 'bios', or names starting with 'nic:' are allowed as update names",
      'spec.updates[1].url: invalid URL "file:///x" in FirmwareUpdate in component "bios": invalid scheme in URL, "file" not allowed',
      'spec.updates[2].url: invalid URL "not a url" in FirmwareUpdate in component "bmc": parse "not a url": invalid URI for request',
    ]);
  });
});
