/**
 * A tiny bootable ISO (UEFI and legacy BIOS, grub-mkrescue) for lab tests of virtual media: the agent
 * kernel with a busybox initramfs that prints `<marker> firmware=uefi|bios secureboot=on|off` on
 * the serial console and powers the machine off. Proves the BMC really booted the inserted image,
 * and in which firmware mode, in a few seconds of TCG.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface MarkerIsoOptions {
  /** Work directory; the ISO is written to `<dir>/marker.iso`. */
  dir: string;
  marker: string;
  root?: string;
}

const EFI_GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c';

export function buildMarkerIso(opts: MarkerIsoOptions): string {
  if (!/^[A-Za-z0-9._-]+$/.test(opts.marker)) throw new Error(`marker ${opts.marker}: letters, digits, . _ - only`);
  const ramdisk = join(resolve(opts.root ?? '.'), '.tools', 'ipa-ramdisk');
  const initrd = join(opts.dir, 'initrd');
  const iso = join(opts.dir, 'iso');
  mkdirSync(join(initrd, 'bin'), { recursive: true });
  mkdirSync(join(iso, 'boot', 'grub'), { recursive: true });
  copyFileSync(join(ramdisk, 'busybox'), join(initrd, 'bin', 'busybox'));
  chmodSync(join(initrd, 'bin', 'busybox'), 0o755);
  const init = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
fw=bios
sb=off
if [ -d /sys/firmware/efi ]; then
  fw=uefi
  mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null
  v=/sys/firmware/efi/efivars/SecureBoot-${EFI_GLOBAL}
  [ -f $v ] && [ "$(od -An -tu1 $v | awk '{print $NF}')" = 1 ] && sb=on
fi
echo "${opts.marker} firmware=$fw secureboot=$sb" >/dev/ttyS0
sync
poweroff -f
`;
  writeFileSync(join(initrd, 'init'), init, { mode: 0o755 });
  execFileSync('sh', ['-c', `cd '${initrd}' && find . | cpio -o -H newc --quiet | gzip -1 > '${join(iso, 'boot', 'initrd.gz')}'`]);
  copyFileSync(join(ramdisk, 'ironic-python-agent.kernel'), join(iso, 'boot', 'vmlinuz'));
  writeFileSync(
    join(iso, 'boot', 'grub', 'grub.cfg'),
    ['serial --unit=0 --speed=115200', 'terminal_input serial console', 'terminal_output serial console', 'set timeout=0', 'menuentry marker {', '  linux /boot/vmlinuz console=ttyS0,115200 loglevel=3 panic=-1', '  initrd /boot/initrd.gz', '}'].join('\n') + '\n',
  );
  const out = join(opts.dir, 'marker.iso');
  execFileSync('grub-mkrescue', ['-o', out, iso], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}
