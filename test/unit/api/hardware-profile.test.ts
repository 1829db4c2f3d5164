/** status.hardwareProfile as BMO reports it (getHardwareProfileName): spec, else already reported, else per address. */
import { describe, expect, it } from 'vitest';
import { hardwareProfileName } from '../../../src/api/hardware-profile.js';

describe('spec.hardwareProfile → status.hardwareProfile', () => {
  it.each([
    ['the spec value wins', { hardwareProfile: 'dell', bmc: { address: 'libvirt://x' } }, 'unknown', 'dell'],
    ['an adopted status value is kept when the spec has none', { bmc: { address: 'redfish://x' } }, 'openstack', 'openstack'],
    ['libvirt:// addresses default to libvirt', { bmc: { address: 'libvirt://10.0.0.1' } }, undefined, 'libvirt'],
    ['everything else defaults to unknown', { bmc: { address: 'redfish://x' } }, undefined, 'unknown'],
    ['no BMC (unmanaged): unknown', {}, undefined, 'unknown'],
  ])('%s', (_what, spec, reported, want) => {
    expect(hardwareProfileName(spec, reported)).toBe(want);
  });
});
