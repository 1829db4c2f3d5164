import { describe, expect, it } from 'vitest';
import { qemuArgs, type QemuMachineOptions } from '../../../lab/qemu-machine.js';

const base: QemuMachineOptions = {
  dir: '/lab/m1',
  firmware: 'uefi',
  mac: '52:54:00:00:00:01',
  tap: 'tap0',
  disks: [
    { file: '/lab/m1/d1.raw', serial: 'S1' },
    { file: '/lab/m1/d2.raw', serial: 'S2' },
  ],
};
const paths = { serialLog: '/lab/m1/serial.log', pidFile: '/lab/m1/qemu.pid', vars: '/lab/m1/vars.fd' };
const devices = (args: string[]): string[] => args.filter((_, i) => args[i - 1] === '-device');

describe('QEMU lab machine arguments', () => {
  it('boots the NIC first for pxe, the disks first otherwise', () => {
    expect(devices(qemuArgs(base, paths, true))).toEqual([
      'virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01,bootindex=1,romfile=',
      'virtio-blk-pci,drive=disk0,serial=S1,bootindex=2',
      'virtio-blk-pci,drive=disk1,serial=S2,bootindex=3',
    ]);
    expect(devices(qemuArgs(base, paths, false))).toEqual([
      'virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01,bootindex=3,romfile=',
      'virtio-blk-pci,drive=disk0,serial=S1,bootindex=1',
      'virtio-blk-pci,drive=disk1,serial=S2,bootindex=2',
    ]);
  });

  it('UEFI: q35 with OVMF code and its own variable store, OVMF PXE (no NIC ROM); BIOS: pc with the iPXE ROM', () => {
    const uefi = qemuArgs(base, paths, true);
    expect(uefi).toContain('q35');
    expect(uefi).toContain('if=pflash,format=raw,file=/lab/m1/vars.fd');
    const bios = qemuArgs({ ...base, firmware: 'bios' }, paths, true);
    expect(bios).toContain('pc');
    expect(bios.some((a) => a.includes('pflash'))).toBe(false);
    expect(devices(bios)[0]).toBe('virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01,bootindex=1');
  });

  it('daemonizes with a pid file, appends the serial console, and exits on guest reboot only if asked', () => {
    const args = qemuArgs(base, paths, true);
    expect(args).toEqual(expect.arrayContaining(['-daemonize', '-pidfile', '/lab/m1/qemu.pid', 'file,id=console,path=/lab/m1/serial.log,append=on']));
    expect(args).not.toContain('-no-reboot');
    expect(qemuArgs({ ...base, noReboot: true }, paths, true)).toContain('-no-reboot');
  });
});
