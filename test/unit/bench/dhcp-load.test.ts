import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket } from '../../../src/boot/dhcp/packet.js';
import { LeaseStore } from '../../../src/boot/dhcp/leases.js';
import { MessageType, Opt, readIp } from '../../../src/boot/dhcp/options.js';
import { DhcpPacketError } from '../../../src/boot/dhcp/packet.js';
import { DhcpResponder } from '../../../src/boot/dhcp/responder.js';
import { DoraClient, dhcpAttackDatagram, isAttackXid, loadMac, readReply } from '../../../bench/dhcp-load.js';

const SERVER = '10.10.0.1';
const macs = [0, 1, 2, 3].map(loadMac);

function responder(known: string[]): DhcpResponder {
  const set = new Set(known);
  return new DhcpResponder(
    { mode: 'full', serverIp: SERVER, subnetMask: '255.255.255.0', range: ['10.10.0.100', '10.10.0.199'], leaseSeconds: 3600, allowUnknown: false, ipxeScriptUrl: () => 'http://x/boot.ipxe', httpBase: 'http://x' },
    { has: (m) => set.has(m) },
    new LeaseStore({ range: ['10.10.0.100', '10.10.0.199'] }),
  );
}

/** The server's answer to a datagram, as bytes on the wire (undefined: no answer). */
const serve = (r: DhcpResponder, b: Buffer): Buffer | undefined => {
  const out = r.handle(decodePacket(b));
  return out.reply ? encodePacket(out.reply.packet) : undefined;
};

describe('bench DHCP load generator', () => {
  it('load MACs are distinct, well-formed and outside the lab prefix', () => {
    expect(loadMac(0)).toBe('52:54:01:00:00:00');
    expect(loadMac(0x012345)).toBe('52:54:01:01:23:45');
    expect(new Set(Array.from({ length: 1000 }, (_, i) => loadMac(i))).size).toBe(1000);
  });

  it('completes DORA for several MACs at once against the metalflow responder, with latency', () => {
    const r = responder(macs);
    const client = new DoraClient();
    const started = macs.map((mac) => client.begin(mac, 100));
    expect(client.inFlight).toBe(4);
    const done: number[] = [];
    // Answer the DISCOVERs in reverse order: exchanges are matched by xid, not by order.
    for (const s of [...started].reverse()) {
      const offer = serve(r, s.send);
      expect(offer).toBeDefined();
      const step = client.receive(offer as Buffer, 110)?.step;
      expect(step && 'send' in step).toBe(true);
      const request = decodePacket((step as { send: Buffer }).send);
      expect(request.options.get(Opt.messageType)?.[0]).toBe(MessageType.request);
      expect(readIp(request.options.get(Opt.serverId))).toBe(SERVER);
      const ack = serve(r, (step as { send: Buffer }).send) as Buffer;
      const end = client.receive(ack, 125)?.step;
      if (end && 'done' in end) done.push(end.done);
    }
    expect(done).toEqual([25, 25, 25, 25]);
    expect(client.inFlight).toBe(0);
  });

  it('ignores replies that are not its own (unknown xid, duplicate OFFER, garbage) and reports a NAK', () => {
    const r = responder(macs);
    const client = new DoraClient();
    const { send } = client.begin(macs[0] as string, 0);
    const offer = serve(r, send) as Buffer;
    expect(client.receive(offer, 1)).toBeDefined();
    expect(client.receive(offer, 2)).toBeUndefined(); // a second OFFER (e.g. another server's)
    expect(client.receive(Buffer.from('garbage'), 2)).toBeUndefined();
    const other = new DoraClient();
    expect(other.receive(offer, 2)).toBeUndefined();
    const nak = r.handle(decodePacket(client.begin(macs[1] as string, 0).send));
    expect(nak.reply).toBeDefined();
    const p = { ...(nak.reply?.packet as NonNullable<typeof nak.reply>['packet']) };
    p.options = new Map(p.options).set(Opt.messageType, Buffer.from([MessageType.nak]));
    expect(client.receive(encodePacket(p), 3)?.step).toEqual({ failed: 'NAK' });
  });

  it('attack mix: tagged xids, spoofed DECLINE/RELEASE on pool addresses, unknown DISCOVERs and garbage, none answered', () => {
    const target = { serverIp: SERVER, range: ['10.10.0.100', '10.10.0.199'] as [string, string], attackerMac: loadMac(0xffffff), victims: macs };
    const r = responder([...macs, target.attackerMac]);
    const kinds = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const b = dhcpAttackDatagram(i, target);
      let kind = 'garbage';
      try {
        const p = decodePacket(b);
        expect(isAttackXid(p.xid)).toBe(true);
        kind = String(p.options.get(Opt.messageType)?.[0]);
        if (kind === String(MessageType.decline)) expect(p.chaddr).toBe(target.attackerMac);
        if (kind === String(MessageType.release)) expect(macs).toContain(p.chaddr);
        expect(r.handle(p).reply).toBeUndefined();
      } catch (err) {
        if (!(err instanceof DhcpPacketError)) throw err;
      }
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(kinds.get(String(MessageType.decline))).toBe(300);
    expect(kinds.get(String(MessageType.release))).toBe(200);
    expect(kinds.get(String(MessageType.discover))).toBe(300);
    expect(kinds.get('garbage')).toBeGreaterThanOrEqual(150);
    expect(isAttackXid(0x01000000)).toBe(false);
  });

  it('readReply takes only BOOTREPLYs', () => {
    const c = new DoraClient();
    expect(readReply(c.begin(macs[0] as string, 0).send)).toBeUndefined();
  });
});
