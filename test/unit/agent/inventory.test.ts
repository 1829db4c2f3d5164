import { describe, expect, it } from 'vitest';
import { hardwareFromInventory, normaliseBootif } from '../../../src/agent/inventory.js';

describe('IPA inventory → HardwareDetails', () => {
  it('maps vendor, firmware, memory, CPU, NICs (PXE flagged from BOOTIF) and disks', () => {
    const hw = hardwareFromInventory({
      interfaces: [
        { name: 'eth0', mac_address: '52:54:00:AA:BB:01', ipv4_address: '192.0.2.10', speed_mbps: 10000, vendor: '0x8086', product: '0x1572' },
        { name: 'eth1', mac_address: '52:54:00:aa:bb:02' },
      ],
      cpu: { model_name: 'Xeon', frequency: '2400.000', count: 16, architecture: 'x86_64', flags: ['vmx'] },
      disks: [
        { name: '/dev/sda', size: 100, rotational: true, serial: 'S1', by_path: '/dev/disk/by-path/pci-1' },
        { name: '/dev/nvme0n1', size: 200, rotational: false, tran: 'nvme' },
      ],
      memory: { total: 17179869184, physical_mb: 16384 },
      system_vendor: { manufacturer: 'QEMU', product_name: 'Standard PC', serial_number: 'X1', firmware: { vendor: 'EDK II', version: '1.0', build_date: '2024-01-01' } },
      boot: { current_boot_mode: 'uefi', pxe_interface: '01-52-54-00-aa-bb-01' },
      hostname: 'ipa',
    });
    expect(hw.systemVendor).toEqual({ manufacturer: 'QEMU', productName: 'Standard PC', serialNumber: 'X1' });
    expect(hw.firmware?.bios).toEqual({ vendor: 'EDK II', version: '1.0', date: '2024-01-01' });
    expect(hw.ramMebibytes).toBe(16384);
    expect(hw.cpu).toEqual({ arch: 'x86_64', model: 'Xeon', clockMegahertz: 2400, count: 16, flags: ['vmx'] });
    expect(hw.nics).toEqual([
      { name: 'eth0', mac: '52:54:00:aa:bb:01', ip: '192.0.2.10', speedGbps: 10, model: '0x8086 0x1572', pxe: true },
      { name: 'eth1', mac: '52:54:00:aa:bb:02', pxe: false },
    ]);
    expect(hw.storage?.[0]).toMatchObject({ name: '/dev/disk/by-path/pci-1', alternateNames: ['/dev/sda'], type: 'HDD', serialNumber: 'S1' });
    expect(hw.storage?.[1]).toMatchObject({ name: '/dev/nvme0n1', type: 'NVME', rotational: false });
  });

  it.each([
    ['52:54:00:aa:bb:01', '52:54:00:aa:bb:01'],
    ['01-52-54-00-AA-BB-01', '52:54:00:aa:bb:01'],
    ['garbage', undefined],
    [null, undefined],
  ])('normalises BOOTIF %j', (raw, mac) => {
    expect(normaliseBootif(raw)).toBe(mac);
  });
});

describe('inventory projection caps (what reaches workflow history)', () => {
  it('caps string lengths, list lengths and CPU flags, and ignores values of the wrong type', async () => {
    const inv = await import('../../../src/agent/inventory.js');
    const long = 'x'.repeat(inv.MAX_INVENTORY_STRING_CHARS * 10);
    const hw = inv.hardwareFromInventory({
      interfaces: Array.from({ length: inv.MAX_INVENTORY_NICS + 5 }, (_, i) => ({ name: long, mac_address: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`, vendor: long, product: long })),
      cpu: { model_name: long, flags: Array.from({ length: inv.MAX_CPU_FLAGS + 5 }, (_, i) => `f${i}${long}`), count: 'many' as unknown as number },
      disks: Array.from({ length: inv.MAX_INVENTORY_DISKS + 5 }, (_, i) => ({ name: `/dev/sd${i}`, size: 1, serial: long, model: 7 as unknown as string })),
      system_vendor: { manufacturer: long, product_name: { nested: true } as unknown as string },
      hostname: long,
    });
    expect(hw.nics).toHaveLength(inv.MAX_INVENTORY_NICS);
    expect(hw.storage).toHaveLength(inv.MAX_INVENTORY_DISKS);
    expect(hw.cpu?.flags).toHaveLength(inv.MAX_CPU_FLAGS);
    expect(Math.max(...(hw.cpu?.flags ?? []).map((f) => f.length))).toBeLessThanOrEqual(inv.MAX_CPU_FLAG_CHARS);
    expect(hw.cpu?.count).toBeUndefined();
    expect(hw.systemVendor?.productName).toBeUndefined();
    expect(hw.storage?.[0]?.model).toBeUndefined();
    const strings: string[] = [];
    JSON.stringify(hw, (_, v: unknown) => (typeof v === 'string' && strings.push(v), v));
    expect(Math.max(...strings.map((s) => s.length))).toBeLessThanOrEqual(inv.MAX_INVENTORY_STRING_CHARS);
  });

  it('refuses an inventory without interfaces rather than crashing on it', async () => {
    const inv = await import('../../../src/agent/inventory.js');
    expect(inv.hardwareFromInventory({ interfaces: 'nope' } as unknown as Parameters<typeof inv.hardwareFromInventory>[0]).nics).toEqual([]);
  });
});
