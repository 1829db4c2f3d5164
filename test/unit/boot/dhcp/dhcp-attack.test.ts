/**
 * An attacker on the provisioning network against the DHCP server: spoofed DECLINE and RELEASE
 * (another client's address, another server's id, no server id), a client declining its way
 * through the pool, worst-case option packing, and a second boot worker started on the same ports.
 */
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BootConfigStore } from '../../../../src/boot/boot-config.js';
import { startBootServices, type RunningBootServices } from '../../../../src/boot/boot-services.js';
import { AddressInUseError } from '../../../../src/net/listen-error.js';
import { DECLINE_HOLD_MS, LeaseStore, MAX_DECLINED_SHARE, MAX_DECLINES_PER_CLIENT } from '../../../../src/boot/dhcp/leases.js';
import { MessageType, Opt } from '../../../../src/boot/dhcp/options.js';
import { DHCP_MAX_DATAGRAM, DHCP_MAX_OPTIONS, DhcpPacketError, decodePacket } from '../../../../src/boot/dhcp/packet.js';
import { DhcpResponder, type DhcpConfig } from '../../../../src/boot/dhcp/responder.js';
import type { BootServicesSettings } from '../../../../src/boot/boot-services.js';
import { freePort } from '../../../../lab/processes.js';
import { clientBytes, clientPacket } from '../../../helpers/dhcp-packets.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';

const VICTIM = '52:54:00:00:00:01';
const ATTACKER = '52:54:00:00:00:02';
const SERVER = '10.10.0.1';
const POOL: [string, string] = ['10.10.0.100', '10.10.0.150']; // 51 addresses, as in the issue

function setup(opts: { allowUnknown?: boolean } = {}) {
  const now = { t: 1_000_000 };
  const known = new Set([VICTIM, ATTACKER]);
  const leases = new LeaseStore({ range: POOL, now: () => now.t });
  const cfg: DhcpConfig = {
    mode: 'full',
    serverIp: SERVER,
    subnetMask: '255.255.255.0',
    leaseSeconds: 3600,
    allowUnknown: opts.allowUnknown ?? false,
    ipxeScriptUrl: (mac) => `http://${SERVER}/ipxe/${mac}/boot.ipxe`,
    httpBase: `http://${SERVER}`,
  };
  const r = new DhcpResponder(cfg, { has: (m) => known.has(m) }, leases);
  const dora = (mac: string): string => {
    const ip = r.handle(clientPacket('discover', { mac })).reply?.packet.yiaddr;
    if (!ip) throw new Error(`no offer for ${mac}`);
    expect(r.handle(clientPacket('request', { mac, requested: ip, serverId: SERVER })).reply?.packet.options.get(Opt.messageType)?.[0]).toBe(MessageType.ack);
    return ip;
  };
  return { r, leases, now, dora };
}

const poolAddresses = (): string[] => Array.from({ length: 51 }, (_, i) => `10.10.0.${100 + i}`);
const mac = (i: number): string => `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

describe('DHCP attack: spoofed DECLINE and RELEASE', () => {
  it('51 DECLINEs from another MAC, one per pool address, leave the pool and the victim lease intact', () => {
    const { r, leases, dora } = setup();
    const victimIp = dora(VICTIM);
    const before = leases.get(VICTIM);
    for (const ip of poolAddresses()) r.handle(clientPacket('decline', { mac: ATTACKER, requested: ip, serverId: SERVER }));
    expect(leases.get(VICTIM)).toEqual(before);
    expect(leases.declinedAddresses()).toEqual([]);
    // The pool still has its 50 other addresses for the attacker (or anyone) to lease.
    expect(r.handle(clientPacket('discover', { mac: ATTACKER })).reply?.packet.yiaddr).toBe('10.10.0.101');
    expect(victimIp).toBe('10.10.0.100');
  });

  it("a DECLINE of the victim's own address with the victim's MAC but no or another server id is ignored", () => {
    const { r, leases, dora } = setup();
    const ip = dora(VICTIM);
    const before = leases.get(VICTIM);
    expect(r.handle(clientPacket('decline', { mac: VICTIM, requested: ip })).note).toMatch(/ignored/);
    expect(r.handle(clientPacket('decline', { mac: VICTIM, requested: ip, serverId: '10.10.0.77' })).note).toMatch(/ignored/);
    expect(leases.get(VICTIM)).toEqual(before);
    expect(leases.declinedAddresses()).toEqual([]);
  });

  it('RELEASE acts only on the sender\'s own lease (ciaddr) and only when it names this server', () => {
    const { r, leases, dora } = setup();
    const ip = dora(VICTIM);
    dora(ATTACKER);
    const before = leases.get(VICTIM);
    // Spoofed with the victim's MAC but no server id, another server's id, or the wrong ciaddr.
    r.handle(clientPacket('release', { mac: VICTIM, ciaddr: ip }));
    r.handle(clientPacket('release', { mac: VICTIM, ciaddr: ip, serverId: '10.10.0.77' }));
    r.handle(clientPacket('release', { mac: VICTIM, ciaddr: '10.10.0.120', serverId: SERVER }));
    r.handle(clientPacket('release', { mac: VICTIM, serverId: SERVER }));
    // From the attacker's own MAC naming the victim's address.
    r.handle(clientPacket('release', { mac: ATTACKER, ciaddr: ip, serverId: SERVER }));
    expect(leases.get(VICTIM)).toEqual(before);
    // The genuine RELEASE still works.
    expect(r.handle(clientPacket('release', { mac: VICTIM, ciaddr: ip, serverId: SERVER })).note).toMatch(/^RELEASE from .*: 10\.10\.0\.100 released$/);
    expect(leases.get(VICTIM)?.bound).toBe(false);
  });

  it('a client that declines every address it is offered cannot cycle the pool empty (per-client cap)', () => {
    const { r, leases, dora } = setup({ allowUnknown: true });
    const cycler = '02:00:00:00:ff:ff';
    for (let i = 0; i < 60; i++) r.handle(clientPacket('decline', { mac: cycler, requested: dora(cycler), serverId: SERVER }));
    expect(leases.declinedAddresses()).toHaveLength(MAX_DECLINES_PER_CLIENT);
    expect(r.handle(clientPacket('discover', { mac: VICTIM })).reply?.packet.yiaddr).toBeDefined();
  });

  it('many clients each declining once hold at most a share of the pool (total cap)', () => {
    const { r, leases, dora } = setup({ allowUnknown: true });
    for (let i = 0; i < 51; i++) r.handle(clientPacket('decline', { mac: mac(i), requested: dora(mac(i)), serverId: SERVER }));
    expect(leases.declinedAddresses()).toHaveLength(Math.max(1, Math.floor(51 * MAX_DECLINED_SHARE)));
    expect(r.handle(clientPacket('discover', { mac: VICTIM })).reply?.packet.yiaddr).toBeDefined();
  });

  it('a DECLINE of an address only offered (never ACKed) is ignored', () => {
    const { r, leases } = setup();
    const ip = r.handle(clientPacket('discover', { mac: VICTIM })).reply?.packet.yiaddr;
    expect(r.handle(clientPacket('decline', { mac: VICTIM, requested: ip, serverId: SERVER })).note).toMatch(/ignored/);
    expect(leases.declinedAddresses()).toEqual([]);
  });

  it('a declined address is not handed out during the hold, even when asked for, and returns after it', () => {
    const { r, leases, now, dora } = setup();
    const ip = dora(VICTIM);
    expect(r.handle(clientPacket('decline', { mac: VICTIM, requested: ip, serverId: SERVER })).note).toMatch(/set aside/);
    expect(leases.get(VICTIM)).toBeUndefined();
    expect(r.handle(clientPacket('discover', { mac: ATTACKER, requested: ip })).reply?.packet.yiaddr).not.toBe(ip);
    expect(r.handle(clientPacket('request', { mac: VICTIM, requested: ip })).reply?.packet.options.get(Opt.messageType)?.[0]).toBe(MessageType.nak);
    now.t += DECLINE_HOLD_MS - 1;
    expect(leases.declinedAddresses()).toEqual([ip]);
    now.t += 1;
    expect(leases.declinedAddresses()).toEqual([]);
    expect(r.handle(clientPacket('discover', { mac: VICTIM, requested: ip })).reply?.packet.yiaddr).toBe(ip);
  });
});

/** Bytes allocated by Buffer factories while `fn` runs (Buffer.concat's own allocUnsafe counts twice: an upper bound). */
function bytesAllocated(fn: () => void): number {
  let total = 0;
  const spies = (['concat', 'from', 'alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const).map((name) => {
    const original = Buffer[name] as (...a: unknown[]) => Buffer;
    return vi.spyOn(Buffer, name).mockImplementation(((...args: unknown[]) => {
      const b = original.apply(Buffer, args);
      total += b.length;
      return b;
    }) as never);
  });
  try {
    fn();
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
  return total;
}

/** A request header (240 bytes with the cookie) followed by `count` copies of option 43 with `len`-byte values, padded to `size`. */
function packed(count: number, len: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  clientBytes('discover').copy(b, 0, 0, 240);
  let at = 240;
  b[at++] = 53;
  b[at++] = 1;
  b[at++] = 1;
  for (let i = 0; i < count && at + 2 + len <= size; i++) {
    b[at++] = 43;
    b[at++] = len;
    at += len;
  }
  return b;
}

describe('DHCP attack: option decoding work is linear', () => {
  it('a maximum-size UDP datagram packed with 1-byte options of one code costs at most a few bytes of allocation per byte received', () => {
    const worst = packed(Infinity, 1, 65_507);
    let allocated = 0;
    allocated = bytesAllocated(() => {
      try {
        decodePacket(worst);
      } catch (err) {
        if (!(err instanceof DhcpPacketError)) throw err;
      }
    });
    expect(allocated).toBeLessThanOrEqual(4 * worst.length);
  });

  it(`the largest accepted packet (${DHCP_MAX_OPTIONS} split instances of one option in ${DHCP_MAX_DATAGRAM} bytes) decodes with linear allocation; one more option or byte is refused`, () => {
    const len = Math.floor((DHCP_MAX_DATAGRAM - 243) / (DHCP_MAX_OPTIONS - 1)) - 2;
    const worst = packed(DHCP_MAX_OPTIONS - 1, len, DHCP_MAX_DATAGRAM);
    let decoded: ReturnType<typeof decodePacket> | undefined;
    const allocated = bytesAllocated(() => (decoded = decodePacket(worst)));
    expect(decoded?.options.get(Opt.vendorSpecific)?.length).toBe((DHCP_MAX_OPTIONS - 1) * len);
    expect(allocated).toBeLessThanOrEqual(4 * worst.length);
    expect(() => decodePacket(packed(DHCP_MAX_OPTIONS, 0, DHCP_MAX_DATAGRAM))).toThrow(/options/);
    expect(() => decodePacket(Buffer.concat([worst, Buffer.alloc(1)]))).toThrow(/bytes/);
  });
});

describe('DHCP attack: a second boot worker on the same ports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dhcp-bind-'));
  const running: RunningBootServices[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
    removeTempDir(dir);
  });

  // TFTP is left out: in this branch it still binds 0.0.0.0 with reuseAddr (the TFTP branch changes that).
  const settings = (dhcpPort: number, httpPort: number): BootServicesSettings => {
    for (const d of ['agent', 'images', 'firmware']) mkdirSync(join(dir, d), { recursive: true });
    return {
      bootIp: '127.0.0.1',
      dhcp: { mode: 'full', host: '127.0.0.1', port: dhcpPort, proxyPort: 0, range: ['127.0.0.100', '127.0.0.200'], subnetMask: '255.0.0.0', dns: [], leaseSeconds: 600, allowUnknown: false, replyDelayMs: 0 },
      http: { host: '127.0.0.1', port: httpPort, agentDir: join(dir, 'agent'), imagesDir: join(dir, 'images'), firmwareDir: join(dir, 'firmware') },
      agent: { kernel: 'k', initramfs: 'i', extraKernelParams: '', insecure: false },
      apiUrl: 'http://127.0.0.1:6385',
    };
  };

  it('fails with AddressInUseError naming the address and port, closes what it opened, and the first keeps serving', async () => {
    const store = new BootConfigStore();
    store.set({ mac: VICTIM, uuid: 'u1', name: 'h1', action: 'local' });
    const log = (): void => undefined;
    const [dhcpPort, httpPort, otherHttpPort] = [await freePort('udp'), await freePort(), await freePort()];
    const first = await startBootServices(settings(dhcpPort, httpPort), store, dir, log, 'attack');
    running.push(first);

    // Same HTTP port: refused at HTTP.
    const sameHttp = startBootServices(settings(dhcpPort, httpPort), store, dir, log, 'attack');
    await expect(sameHttp).rejects.toBeInstanceOf(AddressInUseError);
    await expect(sameHttp).rejects.toThrow(`tcp 127.0.0.1:${httpPort}`);
    // Its own HTTP port free, the DHCP port taken: refused at DHCP, and its HTTP listener closed again.
    const sameDhcp = startBootServices(settings(dhcpPort, otherHttpPort), store, dir, log, 'attack');
    await expect(sameDhcp).rejects.toBeInstanceOf(AddressInUseError);
    await expect(sameDhcp).rejects.toThrow(`udp 127.0.0.1:${dhcpPort}`);
    await expect(request(`http://127.0.0.1:${otherHttpPort}/`)).rejects.toThrow(/ECONNREFUSED/);

    // The first still answers DHCP (a relayed DISCOVER, answered to the relay) and HTTP.
    const dhcp = first.dhcp;
    const answered = dhcp?.stats.answered ?? 0;
    const client = createSocket('udp4');
    try {
      await new Promise<void>((res) => client.send(clientBytes('discover', { mac: VICTIM, giaddr: '127.0.0.1' }), dhcpPort, '127.0.0.1', () => res()));
      for (let i = 0; i < 100 && dhcp?.stats.answered === answered; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      client.close();
    }
    expect(dhcp?.stats.answered).toBe(answered + 1);
    const res = await request(`http://127.0.0.1:${httpPort}/nothing-here`);
    await res.body.dump();
    expect(res.statusCode).toBe(404);
  });
});
