/**
 * The DHCP server against standard clients, on a private bridged segment of network namespaces:
 * busybox udhcpc and ISC dhclient (DORA, renew, release), a second DHCP server on the segment
 * (busybox udhcpd) whose offer the client takes — ours must not hijack it —, a relay (ISC dhcrelay)
 * forwarding from another segment with giaddr, and an unknown MAC that gets no answer.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBootServicesIn, type BootServicesProcess } from '../../helpers/boot-services-process.js';
import { LabNetwork, type LanMember } from '../../../lab/lab-network.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'dhcp-conf-'));
const lan = new LabNetwork();
const far = new LabNetwork(); // the segment behind the relay
let srv: LanMember;
let boot: BootServicesProcess;
let relayBoot: BootServicesProcess | undefined;
const clients: Record<string, LanMember> = {};
const background: Array<{ kill: () => void }> = [];

// udhcpc calls this script on every event: it logs what it got and configures the address (inside
// the client's namespace), so renewals and releases travel unicast as on a real machine.
const script = join(dir, 'udhcpc.sh');
writeFileSync(
  script,
  `#!/bin/sh
echo "$1 ip=$ip subnet=$subnet router=$router serverid=$serverid lease=$lease" >> "$UDHCPC_LOG"
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;
esac
`,
);
chmodSync(script, 0o755);
// The same for dhclient (its own dhclient-script would also write /etc/resolv.conf).
const dhclientScript = join(dir, 'dhclient.sh');
writeFileSync(
  dhclientScript,
  `#!/bin/sh
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT) ip addr flush dev "$interface"; ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
  RELEASE|EXPIRE|STOP) ip addr flush dev "$interface" ;;
esac
`,
);
chmodSync(dhclientScript, 0o755);

beforeAll(async () => {
  srv = lan.member('srv', { host: 1 });
  for (const name of ['udhcpc', 'renew', 'dhclient', 'second', 'stranger']) clients[name] = lan.member(name);
  const known = ['udhcpc', 'renew', 'dhclient', 'second'].map((n) => clients[n]?.mac).join(',');
  boot = await startBootServicesIn(srv.exec, {
    METALFLOW_BOOT_IP: srv.ip ?? '',
    METALFLOW_DHCP_MODE: 'full',
    METALFLOW_DHCP_RANGE: `${lan.prefix}.100,${lan.prefix}.150`,
    METALFLOW_DHCP_ROUTER: `${lan.prefix}.1`,
    METALFLOW_DHCP_LEASE: '10m',
    METALFLOW_DHCP_REPLY_DELAY: '300ms',
    METALFLOW_TFTP: 'false',
    METALFLOW_HTTP: 'false',
    METALFLOW_DATA_DIR: join(dir, 'srv'),
    METALFLOW_TEST_KNOWN_MACS: known,
  });
}, 120_000);

afterAll(async () => {
  background.forEach((b) => b.kill());
  await boot?.stop();
  await relayBoot?.stop();
  lan.remove();
  far.remove();
  removeTempDir(dir);
});

async function udhcpc(m: LanMember, log: string, extra: string[] = []): Promise<{ code: number; events: string[] }> {
  try {
    await run(m.exec[0] ?? 'ip', [...m.exec.slice(1), 'busybox', 'udhcpc', '-i', 'eth0', '-f', '-q', '-n', '-t', '4', '-T', '2', '-s', script, ...extra], { env: { ...process.env, UDHCPC_LOG: log }, timeout: 60_000 });
    return { code: 0, events: read(log) };
  } catch (err) {
    return { code: (err as { code?: number }).code ?? 1, events: read(log) };
  }
}

function read(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('DHCP server conformance with standard clients', () => {
  it('udhcpc: DORA gives a range address, netmask, router, server id and lease', async () => {
    const m = clients.udhcpc as LanMember;
    const r = await udhcpc(m, join(dir, 'udhcpc.log'));
    expect(r.code).toBe(0);
    const bound = r.events.find((e) => e.startsWith('bound'));
    expect(bound).toMatch(new RegExp(`ip=${lan.prefix}\\.1\\d\\d subnet=255\\.255\\.255\\.0 router=${lan.prefix}\\.1 serverid=${lan.prefix}\\.1 lease=600`));
    await boot.waitFor(new RegExp(`OFFER ${lan.prefix}\\.\\d+ to ${m.mac}`));
    await boot.waitFor(new RegExp(`ACK ${lan.prefix}\\.\\d+ to ${m.mac}`));
  });

  it('udhcpc: renews (unicast REQUEST from ciaddr) and releases', async () => {
    const m = clients.renew as LanMember;
    const log = join(dir, 'renew.log');
    const proc = spawn(m.exec[0] ?? 'ip', [...m.exec.slice(1), 'busybox', 'udhcpc', '-i', 'eth0', '-f', '-t', '4', '-T', '2', '-s', script], { env: { ...process.env, UDHCPC_LOG: log }, stdio: 'ignore' });
    background.push({ kill: () => proc.kill('SIGKILL') });
    const until = async (pred: () => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 200));
      if (!pred()) throw new Error(`udhcpc: no ${what}; events: ${read(log).join(' | ')}`);
    };
    await until(() => read(log).some((e) => e.startsWith('bound')), 'lease');
    const acksBefore = boot.lines.filter((l) => l.includes(`to ${m.mac}`) && l.includes('ACK')).length;
    proc.kill('SIGUSR1'); // udhcpc: renew now
    await until(() => read(log).some((e) => e.startsWith('renew')), 'renewal');
    expect(boot.lines.filter((l) => l.includes(`to ${m.mac}`) && l.includes('ACK')).length).toBe(acksBefore + 1);
    proc.kill('SIGUSR2'); // udhcpc: release
    await boot.waitFor(new RegExp(`RELEASE from ${m.mac}: ${lan.prefix}\\.\\d+ released`));
    proc.kill('SIGTERM');
  });

  it('dhclient: DORA and release (-r)', async () => {
    const m = clients.dhclient as LanMember;
    const lf = join(dir, 'dhclient.leases');
    const pf = join(dir, 'dhclient.pid');
    const base = [...m.exec.slice(1), 'dhclient', '-4', '-v', '-sf', dhclientScript, '-lf', lf, '-pf', pf];
    await run(m.exec[0] ?? 'ip', [...base, '-1', 'eth0'], { timeout: 60_000 });
    expect(readFileSync(lf, 'utf8')).toMatch(new RegExp(`fixed-address ${lan.prefix}\\.1\\d\\d;`));
    await boot.waitFor(new RegExp(`ACK ${lan.prefix}\\.\\d+ to ${m.mac}`));
    await run(m.exec[0] ?? 'ip', [...base, '-r', 'eth0'], { timeout: 60_000 });
    await boot.waitFor(new RegExp(`RELEASE from ${m.mac}: ${lan.prefix}\\.\\d+ released`));
  });

  it('leaves a client that took another server\'s offer alone (no ACK, no NAK)', async () => {
    const other = lan.member('other', { host: 2 });
    const conf = join(dir, 'udhcpd.conf');
    writeFileSync(conf, `start ${lan.prefix}.200\nend ${lan.prefix}.210\ninterface eth0\nlease_file ${join(dir, 'udhcpd.leases')}\npidfile ${join(dir, 'udhcpd.pid')}\nopt subnet 255.255.255.0\nopt lease 600\n`);
    writeFileSync(join(dir, 'udhcpd.leases'), '');
    const udhcpd = spawn(other.exec[0] ?? 'ip', [...other.exec.slice(1), 'busybox', 'udhcpd', '-f', '-a', '10', conf], { stdio: 'ignore' });
    background.push({ kill: () => udhcpd.kill('SIGKILL') });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const m = clients.second as LanMember;
      // Our server answers 300 ms later and udhcpd's ARP probe is cut to 10 ms, so the client takes udhcpd's offer.
      const r = await udhcpc(m, join(dir, 'second.log'));
      expect(r.code).toBe(0);
      expect(r.events.find((e) => e.startsWith('bound'))).toContain(`serverid=${lan.prefix}.2`);
      await boot.waitFor(new RegExp(`REQUEST from ${m.mac} for server ${lan.prefix.replace(/\./g, '\\.')}\\.2: not us`));
      expect(boot.lines.some((l) => l.includes(`to ${m.mac}`) && /\b(ACK|NAK)\b/.test(l))).toBe(false);
    } finally {
      udhcpd.kill('SIGTERM');
    }
  });

  it('ignores an unknown MAC', async () => {
    const m = clients.stranger as LanMember;
    const r = await udhcpc(m, join(dir, 'stranger.log'));
    expect(r.code).not.toBe(0);
    expect(r.events.some((e) => e.startsWith('bound'))).toBe(false);
    await boot.waitFor(new RegExp(`discover from unknown MAC ${m.mac} ignored`));
  });

  it('answers through a relay (dhcrelay): giaddr on the far segment, reply to the relay', async () => {
    // relay: eth0 on the server segment (.3), eth1 on the far segment (.1); a second server instance serves the far pool.
    const relay = lan.member('relay', { host: 3 });
    lan.join(far, 'relay', { host: 1, ifname: 'eth1' });
    const srv2 = lan.member('srv2', { host: 4 });
    await run('ip', ['-n', srv2.ns, 'route', 'add', `${far.prefix}.0/24`, 'via', `${lan.prefix}.3`]);
    const client = far.member('farclient');
    relayBoot = await startBootServicesIn(srv2.exec, {
      METALFLOW_BOOT_IP: srv2.ip ?? '',
      METALFLOW_DHCP_MODE: 'full',
      METALFLOW_DHCP_RANGE: `${far.prefix}.100,${far.prefix}.110`,
      METALFLOW_DHCP_ROUTER: `${far.prefix}.1`,
      METALFLOW_TFTP: 'false',
      METALFLOW_HTTP: 'false',
      METALFLOW_DATA_DIR: join(dir, 'srv2'),
      METALFLOW_TEST_KNOWN_MACS: client.mac,
    });
    const dhcrelay = spawn(relay.exec[0] ?? 'ip', [...relay.exec.slice(1), 'dhcrelay', '-d', '-4', '-iu', 'eth0', '-id', 'eth1', srv2.ip ?? ''], { stdio: 'ignore' });
    background.push({ kill: () => dhcrelay.kill('SIGKILL') });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const r = await udhcpc(client, join(dir, 'far.log'));
      expect(r.code).toBe(0);
      expect(r.events.find((e) => e.startsWith('bound'))).toMatch(new RegExp(`ip=${far.prefix}\\.1\\d\\d .*router=${far.prefix}\\.1 serverid=${lan.prefix}\\.4`));
      await relayBoot.waitFor(new RegExp(`ACK ${far.prefix}\\.\\d+ to ${client.mac}`));
    } finally {
      dhcrelay.kill('SIGTERM');
    }
  });
});
