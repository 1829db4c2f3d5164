/**
 * OpenIPMI's `ipmi_sim`: a real IPMI-over-LAN (RMCP+) BMC on loopback. Power and boot device go to
 * a `chassis_control` hook that keeps the "machine" in files (power, boot, an event log) and, given
 * a power script, powers a real machine with it (qemu-machine.ts) at the boot device last set.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, waitReady, type LabProcess } from './processes.js';

export interface IpmiSimOptions {
  dir: string;
  username: string;
  password: string;
  port?: number;
  /** The machine's power button (a lab QEMU machine's vm.sh): the hook calls it on power changes. */
  powerScript?: string;
}

export interface IpmiSim extends LabProcess {
  port: number;
  /** The machine as the hook sees it: power 0/1, boot selector, and the commands received. */
  machine(): { power: boolean; boot: string; events: string[] };
}

/** The hook; with a power script (start <bootdev> | stop | reset <bootdev> | status), power really drives a machine. */
const hook = (powerScript?: string): string => `#!/bin/sh
# ipmi_sim chassis_control hook: <dev> get power|boot ... / <dev> set <what> <value> ...
dir="$(dirname "$0")/machine"
vm=${powerScript ? `'${powerScript.replace(/'/g, `'\\''`)}'` : '""'}
mkdir -p "$dir"
shift
op=$1; shift
boot() { cat "$dir/boot" 2>/dev/null || echo default; }
power() { if [ -n "$vm" ]; then "$vm" status; else cat "$dir/power" 2>/dev/null || echo 0; fi; }
case "$op" in
  get)
    for what in "$@"; do
      case "$what" in
        power) echo "power:$(power)";;
        boot) echo "boot:$(boot)";;
      esac
    done;;
  set)
    while [ $# -gt 1 ]; do
      case "$1" in
        power) echo "$2" > "$dir/power"; if [ -n "$vm" ]; then if [ "$2" = 1 ]; then "$vm" start "$(boot)"; else "$vm" stop; fi; fi;;
        boot) echo "$2" > "$dir/boot";;
        reset) echo 1 > "$dir/power"; [ -n "$vm" ] && "$vm" reset "$(boot)";;
        # Soft off: the lab machines have no ACPI-aware OS to ask, so it is a power off.
        shutdown) echo 0 > "$dir/power"; [ -n "$vm" ] && "$vm" stop;;
      esac
      echo "$1 $2" >> "$dir/events"
      shift 2
    done;;
esac
`;

export async function startIpmiSim(opts: IpmiSimOptions): Promise<IpmiSim> {
  mkdirSync(join(opts.dir, 'state'), { recursive: true });
  const port = opts.port ?? (await freePort('udp'));
  const hookFile = join(opts.dir, 'chassis-control.sh');
  writeFileSync(hookFile, hook(opts.powerScript));
  chmodSync(hookFile, 0o755);
  const q = (s: string): string => s.replace(/"/g, '');
  writeFileSync(
    join(opts.dir, 'lan.conf'),
    `name "metalflow-bmc"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "${hookFile} 0x20"
  user 2 true "${q(opts.username)}" "${q(opts.password)}" admin 10 none md2 md5 straight
`,
    { mode: 0o600 },
  );
  writeFileSync(join(opts.dir, 'cmds.emu'), 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nsel_enable 0x20 1000 0x0a\nmc_enable 0x20\n');
  const p = startProcess('ipmi_sim', ['-c', join(opts.dir, 'lan.conf'), '-f', join(opts.dir, 'cmds.emu'), '-s', join(opts.dir, 'state'), '-n'], join(opts.dir, 'ipmi_sim.log'));
  await waitReady('ipmi_sim', p, async () => {
    const out = execFileSync('ipmitool', ['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(port), '-U', opts.username, '-E', '-C', '3', '-R', '1', '-N', '1', 'power', 'status'], {
      env: { ...process.env, IPMI_PASSWORD: opts.password },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.includes('Chassis Power');
  });
  const file = (name: string): string => {
    const path = join(opts.dir, 'machine', name);
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  };
  return {
    ...p,
    port,
    // Power as ipmi_sim itself learns it: from the hook.
    machine: () => ({ power: execFileSync(hookFile, ['0x20', 'get', 'power'], { encoding: 'utf8' }).trim() === 'power:1', boot: file('boot').trim() || 'default', events: file('events').split('\n').filter(Boolean) }),
  };
}
