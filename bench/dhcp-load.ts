/**
 * The DHCP side of bench/boot-plane, free of sockets: a DORA client for many MACs at once (each
 * exchange keyed by its xid) and the attacker's datagrams (spoofed DECLINE/RELEASE, DISCOVERs
 * from unknown MACs, garbage). Packets are built with the server's own codec.
 */
import { randomBytes } from 'node:crypto';
import { BOOTREPLY, DhcpPacketError, decodePacket } from '../src/boot/dhcp/packet.js';
import { Opt, messageTypeName, readIp } from '../src/boot/dhcp/options.js';
import { intToIp, ipToInt } from '../src/boot/dhcp/leases.js';
import { clientBytes } from '../test/helpers/dhcp-packets.js';

/** Top byte of every attacker xid, so the attacker can tell the answers it provoked (load xids never have it). */
export const ATTACK_XID_TAG = 0xa7;

/** The attacker's registered MAC (a tenant's machine), beyond any load MAC. */
export const ATTACKER_MAC = '52:54:01:ff:ff:fe';

/** The i-th registered MAC of the load (52:54:01:…, distinct from the lab's 52:54:00:…). */
export function loadMac(i: number): string {
  return ['52', '54', '01', ...[16, 8, 0].map((s) => ((i >>> s) & 0xff).toString(16).padStart(2, '0'))].join(':');
}

export interface Reply {
  xid: number;
  type: string;
  yiaddr: string;
  serverId: string | undefined;
}

/** A server's answer, or undefined for anything that is not a DHCP reply. */
export function readReply(b: Buffer): Reply | undefined {
  let p;
  try {
    p = decodePacket(b);
  } catch (err) {
    if (err instanceof DhcpPacketError) return undefined;
    throw err;
  }
  const type = messageTypeName(p.options.get(Opt.messageType)?.[0]);
  if (p.op !== BOOTREPLY || !type) return undefined;
  return { xid: p.xid, type, yiaddr: p.yiaddr, serverId: readIp(p.options.get(Opt.serverId)) };
}

export type DoraStep = { send: Buffer } | { done: number } | { failed: string } | undefined;

interface Exchange {
  mac: string;
  startedAt: number;
  offered: boolean;
}

/** DISCOVER → OFFER → REQUEST → ACK for many MACs at once; the caller moves the bytes. */
export class DoraClient {
  private readonly open = new Map<number, Exchange>();
  private nextXid = randomBytes(4).readUInt32BE(0) & 0x00ffffff;

  /** Starts one exchange: the DISCOVER to broadcast, and its xid. */
  begin(mac: string, now: number): { xid: number; send: Buffer } {
    // Never the attacker's tag; 24 bits of sequence are plenty for one window.
    const xid = (this.nextXid++ & 0x00ffffff) | 0x01000000;
    this.open.set(xid, { mac, startedAt: now, offered: false });
    return { xid, send: clientBytes('discover', { mac, xid }) };
  }

  /** What to do with a datagram that arrived on port 68 (undefined: not ours, or a second OFFER). */
  receive(b: Buffer, now: number): { xid: number; step: DoraStep } | undefined {
    const r = readReply(b);
    const ex = r && this.open.get(r.xid);
    if (!r || !ex) return undefined;
    if (r.type === 'offer' && !ex.offered) {
      ex.offered = true;
      if (!r.serverId) return this.end(r.xid, { failed: 'OFFER without a server identifier' });
      return { xid: r.xid, step: { send: clientBytes('request', { mac: ex.mac, xid: r.xid, requested: r.yiaddr, serverId: r.serverId }) } };
    }
    if (r.type === 'ack' && ex.offered) return this.end(r.xid, { done: now - ex.startedAt });
    if (r.type === 'nak') return this.end(r.xid, { failed: 'NAK' });
    return undefined;
  }

  /** Gives up on an exchange (no answer in time). */
  abandon(xid: number): void {
    this.open.delete(xid);
  }

  get inFlight(): number {
    return this.open.size;
  }

  private end(xid: number, step: DoraStep): { xid: number; step: DoraStep } {
    this.open.delete(xid);
    return { xid, step };
  }
}

export interface DhcpAttackTarget {
  serverIp: string;
  /** The pool, whose addresses the spoofed DECLINE/RELEASE name. */
  range: [string, string];
  /** A registered MAC the attacker owns (a tenant's machine): its DECLINEs name other hosts' addresses. */
  attackerMac: string;
  /** The load's MACs, whose RELEASEs the attacker forges. */
  victims: string[];
}

/**
 * The i-th attack datagram, in a fixed mix: 3/10 DECLINE of a pool address from the attacker's
 * registered MAC, 2/10 RELEASE forged with a victim's MAC, 3/10 DISCOVER from a random unknown
 * MAC, 2/10 garbage (random bytes, or a header whose options run past the end).
 */
export function dhcpAttackDatagram(i: number, t: DhcpAttackTarget): Buffer {
  const first = ipToInt(t.range[0]);
  const size = ipToInt(t.range[1]) - first + 1;
  const poolIp = intToIp(first + (i % size));
  const xid = ((ATTACK_XID_TAG << 24) | (i & 0xffffff)) >>> 0;
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
      return clientBytes('decline', { mac: t.attackerMac, xid, requested: poolIp, serverId: t.serverIp });
    case 3:
    case 4:
      return clientBytes('release', { mac: t.victims[i % Math.max(1, t.victims.length)] ?? t.attackerMac, xid, ciaddr: poolIp, serverId: t.serverIp });
    case 5:
    case 6:
    case 7:
      return clientBytes('discover', { mac: `02:${randomBytes(5).toString('hex').match(/../g)?.join(':')}`, xid });
    case 8:
      return randomBytes(1 + (i % 600));
    default: {
      // A valid fixed header and cookie, then an option whose length runs past the end.
      const b = clientBytes('discover', { mac: t.attackerMac, xid });
      b[240] = 61;
      b[241] = 255;
      return b.subarray(0, 250);
    }
  }
}

/** Whether an answer was provoked by the attacker (its xid carries the tag). */
export const isAttackXid = (xid: number): boolean => xid >>> 24 === ATTACK_XID_TAG;
