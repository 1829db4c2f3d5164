/**
 * A QEMU virtual machine as a lab server: real firmware (OVMF for UEFI, SeaBIOS with QEMU's iPXE
 * ROM for legacy BIOS), a NIC with a known MAC on a tap device, virtio disks with distinct serial
 * numbers, and a serial console appended to one log across boots. Its power button is `vm.sh`
 * (`script`: start <bootdev> | stop | reset <bootdev> | status), which OpenIPMI's ipmi_sim calls from
 * its chassis_control hook (ipmi-sim.ts, `powerScript`) with the boot device it was last told
 * (`pxe` → the NIC first, else the disks): the BMC a host workflow drives really powers this machine.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface QemuDisk {
  /** Raw image file (created sparse with `sizeBytes` if missing). */
  file: string;
  serial: string;
  sizeBytes?: number;
}

export interface QemuMachineOptions {
  /** The machine's directory: vm.sh, its disks' default place, serial log, OVMF variables. */
  dir: string;
  firmware: 'uefi' | 'bios';
  mac: string;
  /** Tap device the NIC uses, and the argv prefix that runs QEMU where that tap is (`ip netns exec …`). */
  tap: string;
  exec?: string[];
  disks: QemuDisk[];
  memoryMiB?: number;
  cpus?: number;
  /** QEMU exits when the guest reboots (the BMC sees power off), instead of resetting. */
  noReboot?: boolean;
  /** `tcg` (always works) or `kvm` (where /dev/kvm is usable). */
  accel?: 'tcg' | 'kvm';
}

export interface QemuMachine {
  serialLog: string;
  script: string;
  /** True while the QEMU process runs. */
  running(): boolean;
  serial(): string;
  /** Powers the machine on by hand (without a BMC), booting from `boot` (the BMC's device names). */
  powerOn(boot: 'pxe' | 'default'): void;
  /** Powers the machine off (kills QEMU) if it runs. */
  stop(): void;
}

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd';

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** QEMU's argv for one power-on; `netFirst` puts the NIC before the disks in the boot order. */
export function qemuArgs(o: QemuMachineOptions, paths: { serialLog: string; pidFile: string; vars: string }, netFirst: boolean): string[] {
  const order = (i: number): number => (netFirst ? i + 2 : i + 1);
  const nicIndex = netFirst ? 1 : o.disks.length + 1;
  const args = [
    '-name', 'metalflow-lab',
    '-nodefaults', // no CD-ROM, floppy or monitor the lab did not ask for
    '-accel', o.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi',
    '-machine', o.firmware === 'uefi' ? 'q35' : 'pc',
    '-cpu', 'max',
    '-smp', String(o.cpus ?? 2),
    '-m', String(o.memoryMiB ?? 2048),
    '-display', 'none',
    '-vga', 'none',
    '-chardev', `file,id=console,path=${paths.serialLog},append=on`,
    '-serial', 'chardev:console',
    '-netdev', `tap,id=n0,ifname=${o.tap},script=no,downscript=no`,
    // UEFI: OVMF's own virtio-net driver and PXE (no iPXE ROM: the TFTP snponly.efi path); BIOS:
    // QEMU's iPXE ROM.
    '-device', `virtio-net-pci,netdev=n0,mac=${o.mac},bootindex=${nicIndex}${o.firmware === 'uefi' ? ',romfile=' : ''}`,
    '-pidfile', paths.pidFile,
    '-daemonize',
    ...(o.noReboot ? ['-no-reboot'] : []),
  ];
  if (o.firmware === 'uefi') {
    args.push('-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${paths.vars}`);
  }
  o.disks.forEach((d, i) => {
    args.push('-drive', `file=${d.file},if=none,id=disk${i},format=raw,cache=writeback,discard=unmap`, '-device', `virtio-blk-pci,drive=disk${i},serial=${d.serial},bootindex=${order(i)}`);
  });
  return args;
}

export function createQemuMachine(o: QemuMachineOptions): QemuMachine {
  mkdirSync(o.dir, { recursive: true });
  for (const d of o.disks) {
    if (!existsSync(d.file)) execFileSync('truncate', ['-s', String(d.sizeBytes ?? 2 * 2 ** 30), d.file]);
  }
  const serialLog = join(o.dir, 'serial.log');
  const pidFile = join(o.dir, 'qemu.pid');
  const vars = join(o.dir, 'OVMF_VARS.fd');
  if (o.firmware === 'uefi' && !existsSync(vars)) copyFileSync(OVMF_VARS, vars);
  const cmd = (netFirst: boolean): string => [...(o.exec ?? []), 'qemu-system-x86_64', ...qemuArgs(o, { serialLog, pidFile, vars }, netFirst)].map(shq).join(' ');
  const script = join(o.dir, 'vm.sh');
  writeFileSync(
    script,
    `#!/bin/sh
# The lab machine's power: start [pxe|default] | stop | reset [pxe|default] | status
# (ipmi_sim's chassis_control hook calls this with the boot device it was last given).
pidf=${shq(pidFile)}
running() { [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; }
stop() {
  running || return 0
  pid="$(cat "$pidf")"; kill "$pid"
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  kill -9 "$pid" 2>/dev/null; rm -f "$pidf"
}
start() {
  running && return 0
  boot="\${1:-default}"
  echo "=== metalflow lab: power on $(date -u +%Y-%m-%dT%H:%M:%SZ), next boot device: $boot ===" >>${shq(serialLog)}
  if [ "$boot" = pxe ]; then ${cmd(true)}; else ${cmd(false)}; fi
}
case "$1" in
  status) if running; then echo 1; else echo 0; fi;;
  start) start "$2";;
  stop) stop;;
  reset) stop; start "$2";;
esac
`,
  );
  chmodSync(script, 0o755);
  const running = (): boolean => execFileSync(script, ['status'], { encoding: 'utf8' }).trim() === '1';
  const machine: QemuMachine = {
    serialLog,
    script,
    running,
    serial: () => (existsSync(serialLog) ? readFileSync(serialLog, 'latin1') : ''),
    powerOn: (boot) => void execFileSync(script, ['start', boot]),
    stop: () => void execFileSync(script, ['stop']),
  };
  // A daemonized QEMU would outlive a test runner that dies: never leave one behind.
  process.once('exit', () => {
    try {
      execFileSync(script, ['stop']);
    } catch {
      // already gone
    }
  });
  return machine;
}
