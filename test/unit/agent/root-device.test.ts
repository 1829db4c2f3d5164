import { describe, expect, it } from 'vitest';
import type { RootDeviceHints } from '../../../src/api/types.js';
import { MAX_INVENTORY_DISKS, MAX_INVENTORY_STRING_CHARS, disksFromInventory, type IpaDisk } from '../../../src/agent/inventory.js';
import { RootDeviceNotFoundError, selectRootDevice } from '../../../src/agent/root-device.js';

const GIB = 2 ** 30;
const disks: IpaDisk[] = [
  { name: '/dev/sda', size: 2 * GIB, rotational: false, serial: 'TINY', model: 'USB Stick', vendor: 'SanDisk', hctl: '0:0:0:0', by_path: '/dev/disk/by-path/pci-0000:00:14.0-usb-0:1:1.0-scsi-0:0:0:0' },
  { name: '/dev/sdb', size: 960 * GIB, rotational: true, serial: 'HDD-1', model: 'ST1000NM0033', vendor: 'SEAGATE', wwn: '0x5000c500a1b2c3d4', hctl: '1:0:0:0', by_path: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1' },
  { name: '/dev/sdc', size: 480 * GIB, rotational: false, serial: 'SSD-2', model: 'INTEL SSDSC2KB480G8', vendor: 'ATA', wwn: '0x55cd2e414f8a9b01', wwn_with_extension: '0x55cd2e414f8a9b01ext', wwn_vendor_extension: '0xext', hctl: '2:0:0:0', by_path: '/dev/disk/by-path/pci-0000:00:1f.2-ata-2' },
  { name: '/dev/nvme0n1', size: 1920 * GIB, rotational: false, serial: 'NVME-3', model: 'SAMSUNG MZQL21T9HCJR', vendor: '', wwn: 'eui.0025388b21b2c3d4', hctl: null },
];

describe('root device selection', () => {
  it.each<[string, RootDeviceHints, string]>([
    ['deviceName exact', { deviceName: '/dev/sdc' }, '/dev/sdc'],
    ['deviceName by-path', { deviceName: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1' }, '/dev/sdb'],
    ['hctl exact', { hctl: '2:0:0:0' }, '/dev/sdc'],
    ['serialNumber exact', { serialNumber: 'NVME-3' }, '/dev/nvme0n1'],
    ['wwn exact', { wwn: '0x5000c500a1b2c3d4' }, '/dev/sdb'],
    ['wwnWithExtension exact', { wwnWithExtension: '0x55cd2e414f8a9b01ext' }, '/dev/sdc'],
    ['wwnVendorExtension exact', { wwnVendorExtension: '0xext' }, '/dev/sdc'],
    ['model substring', { model: 'SSDSC2KB' }, '/dev/sdc'],
    ['vendor substring, case-insensitive', { vendor: 'seagate' }, '/dev/sdb'],
    ['minSizeGigabytes is GiB and inclusive', { minSizeGigabytes: 960 }, '/dev/sdb'],
    ['rotational false picks the first SSD', { rotational: false }, '/dev/sda'],
    ['several hints must all match', { rotational: false, minSizeGigabytes: 500 }, '/dev/nvme0n1'],
    ['size and model together', { minSizeGigabytes: 100, model: 'INTEL' }, '/dev/sdc'],
  ])('%s', (_what, hints, expected) => {
    expect(selectRootDevice(disks, hints).name).toBe(expected);
  });

  it('is exact where Metal3 is exact: a serial prefix does not match', () => {
    expect(() => selectRootDevice(disks, { serialNumber: 'SSD' })).toThrow(RootDeviceNotFoundError);
    expect(() => selectRootDevice(disks, { deviceName: '/dev/sd' })).toThrow(RootDeviceNotFoundError);
  });

  it('without hints takes the smallest disk of at least 4 GiB (Ironic default)', () => {
    expect(selectRootDevice(disks, undefined).name).toBe('/dev/sdc');
    expect(selectRootDevice(disks, {}).name).toBe('/dev/sdc');
  });

  it('names the hints and every disk seen when nothing matches', () => {
    let err: unknown;
    try {
      selectRootDevice(disks, { serialNumber: 'NOPE', rotational: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RootDeviceNotFoundError);
    const msg = (err as Error).message;
    expect(msg).toContain('{"serialNumber":"NOPE","rotational":true}');
    for (const d of disks) expect(msg).toContain(d.name);
    expect(msg).toContain('960 GiB, serial HDD-1');
  });

  it('fails clearly when no disk is big enough for the default', () => {
    expect(() => selectRootDevice([disks[0] as IpaDisk], undefined)).toThrow(/minSizeGigabytes":4/);
  });
});

describe('root device choice from a hostile inventory', () => {
  it('reads disks through a bounded projection: a non-array is no disks, at most MAX_INVENTORY_DISKS, strings clipped', () => {
    expect(disksFromInventory({ disks: {} })).toEqual([]);
    expect(disksFromInventory(null)).toEqual([]);
    const many = Array.from({ length: 50_000 }, (_, i) => ({ name: `/dev/sd${i}`, size: 1, serial: 'S'.repeat(10_000) }));
    const disks = disksFromInventory({ disks: many });
    expect(disks).toHaveLength(MAX_INVENTORY_DISKS);
    expect(disks.every((d) => (d.serial ?? '').length <= MAX_INVENTORY_STRING_CHARS)).toBe(true);
    expect(disksFromInventory({ disks: [{ name: 42, size: 1 }, { name: '/dev/vda', size: 'big' }] })).toEqual([{ name: '/dev/vda', size: 0 }]);
  });

  it('keeps the no-match error small whatever the agent reported', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => ({ name: `/dev/sd${i}`, size: 1, serial: 'S'.repeat(10_000) }));
    let message = '';
    try {
      selectRootDevice(many, { serialNumber: 'nope' });
    } catch (err) {
      message = (err as Error).message;
      expect(JSON.stringify((err as RootDeviceNotFoundError).context).length).toBeLessThan(4096);
    }
    expect(message.length).toBeGreaterThan(0);
    expect(message.length).toBeLessThan(4096);
  });
});
