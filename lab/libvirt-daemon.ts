/**
 * A private libvirt daemon for the virtual-media lab: Debian's `libvirtd` (root, qemu driver) run
 * inside the lab's network namespace and a private mount namespace whose /etc/libvirt, /run/libvirt,
 * /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt are directories under the lab's own
 * directory. So it shares no socket, domain, NVRAM file or network with this machine's (or another
 * lab's) libvirt, defines no network (no libvirt dnsmasq, no DHCP), and its domains' taps are made
 * in the lab namespace. Clients reach it by its socket: `qemu:///system?socket=<dir>/run/libvirt-sock`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, waitReady, type LabProcess } from './processes.js';

/** Where each private directory is mounted inside the daemon's mount namespace. */
const MOUNTS: Array<[string, string]> = [
  ['etc', '/etc/libvirt'],
  ['run', '/run/libvirt'],
  ['lib', '/var/lib/libvirt'],
  ['cache', '/var/cache/libvirt'],
  ['log', '/var/log/libvirt'],
];

/** Seconds the daemon gets to open its socket (it probes QEMU's capabilities first: slow under TCG on 2 cores). */
export const LIBVIRTD_START_TIMEOUT_MS = 60_000;

export interface LibvirtDaemonOptions {
  /** The daemon's own directory (config, sockets, state, logs, storage pool). */
  dir: string;
  /** argv prefix running it where the lab bridge is (`ip netns exec <ns>`). */
  exec: string[];
}

export interface LibvirtDaemon extends LabProcess {
  /** libvirt URI of this daemon (for virsh and sushy-tools' --libvirt-uri). */
  uri: string;
  /** The storage pool sushy-tools uploads inserted media to. */
  pool: string;
  /** Runs `virsh -c <uri> ...args` and returns its stdout. */
  virsh(...args: string[]): string;
}

/** The libvirt-qemu user/group the qemu driver resolves at start (Debian's libvirt-daemon-system adds them; we do not install it). */
function privateAccounts(dir: string): Array<[string, string]> {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const group = readFileSync('/etc/group', 'utf8');
  const add = (text: string, name: string, line: string): string => (new RegExp(`^${name}:`, 'm').test(text) ? text : `${text.replace(/\n?$/, '\n')}${line}\n`);
  writeFileSync(join(dir, 'passwd'), add(passwd, 'libvirt-qemu', 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin'));
  writeFileSync(join(dir, 'group'), add(add(group, 'libvirt-qemu', 'libvirt-qemu:x:64055:'), 'kvm', 'kvm:x:64056:'));
  return [
    [join(dir, 'passwd'), '/etc/passwd'],
    [join(dir, 'group'), '/etc/group'],
  ];
}

export async function startLibvirtDaemon(opts: LibvirtDaemonOptions): Promise<LibvirtDaemon> {
  const { dir } = opts;
  for (const [sub, target] of MOUNTS) {
    mkdirSync(join(dir, sub), { recursive: true });
    // The mount points themselves (empty; Debian's libvirt-daemon-system would create them).
    if (!existsSync(target)) mkdirSync(target, { recursive: true });
  }
  const pool = join(dir, 'pool');
  mkdirSync(pool, { recursive: true });
  writeFileSync(
    join(dir, 'etc', 'libvirtd.conf'),
    ['auth_unix_rw = "none"', 'auth_unix_ro = "none"', 'unix_sock_rw_perms = "0700"', `log_outputs = "3:file:${join(dir, 'libvirtd.log')}"`].join('\n') + '\n',
  );
  // Root QEMU without a security driver, cgroups, per-domain mount namespaces or virtlogd: none of
  // them exists (or is wanted) in a container without systemd.
  writeFileSync(
    join(dir, 'etc', 'qemu.conf'),
    ['user = "root"', 'group = "root"', 'dynamic_ownership = 0', 'remember_owner = 0', 'security_driver = "none"', 'cgroup_controllers = [ ]', 'namespaces = [ ]', 'stdio_handler = "file"'].join('\n') + '\n',
  );
  const binds = [...MOUNTS.map(([sub, target]): [string, string] => [join(dir, sub), target]), ...privateAccounts(dir)];
  const script = [...binds.map(([src, target]) => `mount --bind '${src}' '${target}'`), 'exec libvirtd --config /etc/libvirt/libvirtd.conf --pid-file /run/libvirt/libvirtd.pid'].join(' && ');
  const [cmd = 'sh', ...pre] = [...opts.exec, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script];
  const p = startProcess(cmd, pre, join(dir, 'libvirtd.out'));
  const uri = `qemu:///system?socket=${join(dir, 'run', 'libvirt-sock')}`;
  const virsh = (...args: string[]): string => execFileSync('virsh', ['-q', '-c', uri, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  await waitReady('libvirtd', p, async () => (virsh('version'), true), LIBVIRTD_START_TIMEOUT_MS);
  try {
    // sushy-tools uploads each inserted image into this pool (SUSHY_EMULATOR_STORAGE_POOL).
    virsh('pool-define-as', 'default', 'dir', '--target', pool);
    virsh('pool-start', 'default');
  } catch (err) {
    await p.stop();
    throw err;
  }
  return { ...p, uri, pool, virsh };
}
