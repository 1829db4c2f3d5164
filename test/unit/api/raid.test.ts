import { describe, expect, it } from 'vitest';
import { hintMap, raidChanged, raidCleanSteps, raidTarget, softwareRaidRootDevice, targetRaidConfig } from '../../../src/api/raid.js';

const DELETE = { interface: 'raid', step: 'delete_configuration' };
const ERASE = { interface: 'deploy', step: 'erase_devices_metadata' };
const CREATE = { interface: 'raid', step: 'create_configuration' };

describe('softwareRAIDVolumes → target_raid_config (BMO buildTargetSoftwareRAIDCfg)', () => {
  it('maps each volume in order to a software logical disk, MAX size when unset or 0', () => {
    expect(targetRaidConfig([{ level: '1' }, { level: '0', sizeGibibytes: 0, rootVolume: false }, { level: '1+0', sizeGibibytes: 20, rootVolume: true }])).toEqual({
      logical_disks: [
        { size_gb: 'MAX', raid_level: '1', controller: 'software', is_root_volume: false },
        { size_gb: 'MAX', raid_level: '0', controller: 'software', is_root_volume: false },
        { size_gb: 20, raid_level: '1+0', controller: 'software', is_root_volume: true },
      ],
    });
  });

  it('turns physicalDisks into Ironic hint maps (MakeHintMap operators)', () => {
    const [disk] = targetRaidConfig([{ level: '1', physicalDisks: [{ serialNumber: 'S1' }, { deviceName: '/dev/disk/by-path/pci-0:1' }] }]).logical_disks;
    expect(disk?.physical_disks).toEqual([{ serial: 's== S1' }, { by_path: 's== /dev/disk/by-path/pci-0:1' }]);
    expect(hintMap({ deviceName: '/dev/vda', hctl: '0:0:0:0', model: 'QEMU', vendor: 'Red', minSizeGigabytes: 4, wwn: 'w', wwnWithExtension: 'we', wwnVendorExtension: 'wv', rotational: false })).toEqual({
      name: 's== /dev/vda',
      hctl: 's== 0:0:0:0',
      model: '<in> QEMU',
      vendor: '<in> Red',
      size: '>= 4',
      wwn: 's== w',
      wwn_with_extension: 's== we',
      wwn_vendor_extension: 's== wv',
      rotational: 'false',
    });
  });
});

describe('RAID clean steps (BMO BuildRAIDCleanSteps, software RAID)', () => {
  const one = { softwareRAIDVolumes: [{ level: '1' }] };
  it('none when software RAID is not asked for', () => {
    expect(raidCleanSteps(undefined, undefined)).toEqual([]);
    expect(raidCleanSteps({ softwareRAIDVolumes: null }, one)).toEqual([]);
    expect(raidCleanSteps({}, undefined)).toEqual([]);
  });
  it('none when the target is what was applied (defaults made explicit)', () => {
    expect(raidCleanSteps(one, one)).toEqual([]);
    expect(raidCleanSteps({ softwareRAIDVolumes: [{ level: '1', sizeGibibytes: 0, rootVolume: false }] }, one)).toEqual([]);
  });
  it('none for an empty target over nothing applied', () => {
    expect(raidCleanSteps({ softwareRAIDVolumes: [] }, undefined)).toEqual([]);
    expect(raidCleanSteps({ softwareRAIDVolumes: [] }, { softwareRAIDVolumes: [] })).toEqual([]);
  });
  it('delete + erase for an empty target over applied arrays', () => {
    expect(raidCleanSteps({ softwareRAIDVolumes: [] }, one)).toEqual([DELETE, ERASE]);
  });
  it('delete + erase + create for a new or changed target', () => {
    expect(raidCleanSteps(one, undefined)).toEqual([DELETE, ERASE, CREATE]);
    expect(raidCleanSteps({ softwareRAIDVolumes: [{ level: '1', sizeGibibytes: 10 }] }, one)).toEqual([DELETE, ERASE, CREATE]);
    expect(raidCleanSteps({ softwareRAIDVolumes: [{ level: '1' }, { level: '0' }] }, one)).toEqual([DELETE, ERASE, CREATE]);
  });
});

describe('the md device the image goes to', () => {
  it('is the rootVolume, else the first volume; none without software volumes', () => {
    expect(softwareRaidRootDevice({ softwareRAIDVolumes: [{ level: '1' }, { level: '0' }] })).toBe('/dev/md0');
    expect(softwareRaidRootDevice({ softwareRAIDVolumes: [{ level: '1' }, { level: '0', rootVolume: true }] })).toBe('/dev/md1');
    expect(softwareRaidRootDevice({ softwareRAIDVolumes: [] })).toBeUndefined();
    expect(softwareRaidRootDevice(undefined)).toBeUndefined();
  });
});

describe('the RAID target preparing works towards (BMO saveHostProvisioningSettings)', () => {
  const one = { softwareRAIDVolumes: [{ level: '1' }] };
  it('is the spec, or an empty volume list when the spec drops RAID over applied arrays', () => {
    expect(raidTarget(one, undefined)).toEqual(one);
    expect(raidTarget(undefined, undefined)).toBeUndefined();
    expect(raidTarget(undefined, one)).toEqual({ softwareRAIDVolumes: [] });
    expect(raidTarget({}, one)).toEqual({ softwareRAIDVolumes: [] });
  });
  it('changed: new or dropped arrays; not when applied, or nothing either way', () => {
    expect(raidChanged(one, undefined)).toBe(true);
    expect(raidChanged(undefined, one)).toBe(true);
    expect(raidChanged(one, one)).toBe(false);
    expect(raidChanged(undefined, undefined)).toBe(false);
    expect(raidChanged(undefined, { softwareRAIDVolumes: [] })).toBe(false);
  });
});
