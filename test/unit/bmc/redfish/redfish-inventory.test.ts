import { describe, expect, it } from 'vitest';
import { hardwareFromRedfish } from '../../../../src/bmc/redfish/redfish-inventory.js';

describe('Redfish inventory mapping', () => {
  it('maps system, processors, NICs and drives onto HardwareDetails', () => {
    const hw = hardwareFromRedfish({
      system: { Manufacturer: 'Dell Inc.', Model: 'PowerEdge R650', SerialNumber: 'ABC123', BiosVersion: '1.2.3', MemorySummary: { TotalSystemMemoryGiB: 64 }, ProcessorSummary: { Count: 2, Model: 'Xeon' } },
      processors: [{ InstructionSet: 'x86-64', MaxSpeedMHz: 3000 }],
      nics: [{ Id: 'NIC.1', MACAddress: 'AA:BB:CC:DD:EE:FF', SpeedMbps: 25000 }, { Id: 'no-mac' }],
      drives: [
        { Name: 'Disk 0', CapacityBytes: 480e9, SerialNumber: 'S1', MediaType: 'SSD', Model: 'M1', Manufacturer: 'Intel' },
        { Name: 'Disk 1', CapacityBytes: 4e12, MediaType: 'HDD' },
        { Name: 'nvme0', CapacityBytes: 1e12, Protocol: 'NVMe' },
      ],
      simpleDevices: [],
    });
    expect(hw.systemVendor).toEqual({ manufacturer: 'Dell Inc.', productName: 'PowerEdge R650', serialNumber: 'ABC123' });
    expect(hw.firmware?.bios?.version).toBe('1.2.3');
    expect(hw.ramMebibytes).toBe(65536);
    expect(hw.cpu).toEqual({ arch: 'x86_64', model: 'Xeon', clockMegahertz: 3000, count: 2 });
    expect(hw.nics).toEqual([{ name: 'NIC.1', mac: 'aa:bb:cc:dd:ee:ff', speedGbps: 25 }]);
    expect(hw.storage?.map((d) => [d.name, d.type, d.rotational])).toEqual([['Disk 0', 'SSD', false], ['Disk 1', 'HDD', true], ['nvme0', 'NVME', false]]);
  });

  it('leaves out what the BMC does not report', () => {
    const hw = hardwareFromRedfish({ system: {}, processors: [], nics: [], drives: [], simpleDevices: [{ Name: 'sda', CapacityBytes: 1 }] });
    expect(hw.ramMebibytes).toBeUndefined();
    expect(hw.systemVendor).toEqual({});
    expect(hw.storage).toEqual([{ name: 'sda', sizeBytes: 1 }]);
  });
});
