/**
 * The virtual-media lab's pure parts: the domain XML it defines and reads back, the emulator log it
 * parses for what the BMC was asked, and the serial-console wait with its cap.
 */
import { describe, expect, it } from 'vitest';
import { domainBootState, domainXml, OVMF_SECBOOT_CODE, OVMF_VARS_NO_KEYS } from '../../../lab/libvirt-domain.js';
import { LAB_SERIAL_WAIT_MAX_MS, waitForText } from '../../../lab/libvirt-lab.js';
import { parseSushyLog } from '../../../lab/sushy-libvirt.js';

const spec = {
  name: 'mf-a',
  uuid: '11111111-1111-4111-8111-111111111111',
  mac: '52:54:00:00:00:01',
  bridge: 'br0',
  disks: [0, 1].map((i) => ({ file: `/l/d${i}.img`, serial: `a-d${i}` })),
  serialLog: '/l/serial.log',
  memoryMiB: 1024,
  cpus: 1,
  secureBootVars: '/l/sb.fd',
};

describe('libvirt lab domains', () => {
  it('writes q35 + secure-boot-capable OVMF with SMM for UEFI, i440fx without a loader for legacy', () => {
    const uefi = domainXml({ ...spec, firmware: 'uefi' });
    expect(uefi).toContain("machine='q35'");
    expect(uefi).toContain("<smm state='on'/>");
    expect(domainBootState(uefi)).toEqual({ bootOrder: [], loaderType: 'pflash', loader: OVMF_SECBOOT_CODE, secure: false, nvramTemplate: OVMF_VARS_NO_KEYS, cdroms: [] });
    expect(domainBootState(domainXml({ ...spec, firmware: 'uefi-secureboot' }))).toMatchObject({ secure: true, nvramTemplate: '/l/sb.fd' });
    const legacy = domainXml({ ...spec, firmware: 'legacy' });
    expect(legacy).toContain("machine='pc'");
    expect(domainBootState(legacy)).toMatchObject({ loaderType: undefined, loader: undefined, secure: false });
    expect(uefi).toContain('<serial>a-d0</serial>');
    expect(uefi).toContain('<serial>a-d1</serial>');
  });

  it('reads the boot order and the inserted CD from libvirt XML', () => {
    const xml = `<domain><os><loader readonly='yes' type='rom'>/usr/share/seabios/bios-256k.bin</loader></os><devices>
      <disk type='file' device='disk'><source file='/l/d0.img'/><boot order='2'/></disk>
      <interface type='bridge'><mac address='52:54:00:00:00:01'/></interface>
      <disk type='file' device='cdrom'><source file='/pool/x.img'/><boot order='1'/></disk></devices></domain>`;
    expect(domainBootState(xml)).toMatchObject({ bootOrder: ['cdrom', 'disk'], loaderType: 'rom', cdroms: ['/pool/x.img'] });
  });
});

describe('sushy-tools log', () => {
  it('yields what the BMC was asked, in order', () => {
    const log = [
      '[2026-12-03 10:47:18,1] INFO in virtual_media: Virtual media placed into device Cd for system u1. Image https://h/a.iso inserted True',
      '127.0.0.1 - - [03/Dec/2026 10:47:18] "PATCH /redfish/v1/Systems/u1 HTTP/1.1" 204 -',
      '[x] INFO in main: Set boot device to "Cd" for system "u1"',
      '[x] INFO in main: Set boot mode to "Legacy" for system "u1"',
      '[x] INFO in main: System "u1" power state set to "On"',
      '[x] INFO in main: System "u1" secure boot updated to "True"',
      '[x] INFO in virtual_media: Virtual media ejected from device Cd system u1',
    ].join('\n');
    expect(parseSushyLog(log)).toEqual([
      { kind: 'insert', system: 'u1', device: 'Cd', image: 'https://h/a.iso' },
      { kind: 'boot-device', system: 'u1', device: 'Cd' },
      { kind: 'boot-mode', system: 'u1', mode: 'Legacy' },
      { kind: 'power', system: 'u1', reset: 'On' },
      { kind: 'secure-boot', system: 'u1', enabled: true },
      { kind: 'eject', system: 'u1', device: 'Cd' },
    ]);
  });
});

describe('serial console wait', () => {
  it('returns once the text is there after the offset, and fails with the last output when not', async () => {
    expect(await waitForText('vm', () => 'old MARK\nnew MARK\n', 'MARK', 1000, 5)).toContain('new MARK');
    await expect(waitForText('vm', () => 'old MARK\n', 'MARK', 0, 5)).rejects.toThrow(/"MARK" not on the serial console/);
  });

  it('refuses a wait longer than LAB_SERIAL_WAIT_MAX_MS', async () => {
    await expect(waitForText('vm', () => 'MARK', 'MARK', LAB_SERIAL_WAIT_MAX_MS + 1)).rejects.toThrow(/LAB_SERIAL_WAIT_MAX_MS/);
  });
});
