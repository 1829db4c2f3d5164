/**
 * Malformed DHCP input never crashes anything: thousands of generated datagrams (random bytes,
 * truncations, corrupted lengths, option overflows, mutated valid packets) through the decoder and
 * the responder, and through a live server socket on loopback that must still answer afterwards.
 */
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { LeaseStore } from '../../../../src/boot/dhcp/leases.js';
import { DhcpPacketError, decodePacket } from '../../../../src/boot/dhcp/packet.js';
import { DhcpResponder } from '../../../../src/boot/dhcp/responder.js';
import { DhcpServer } from '../../../../src/boot/dhcp/server.js';
import { clientBytes } from '../../../helpers/dhcp-packets.js';

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOST = '52:54:00:00:00:01';

function cases(count: number, seed = 20261127): Buffer[] {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const valid = [clientBytes('discover', { mac: HOST, pxeArch: 7 }), clientBytes('request', { mac: HOST, requested: '10.0.0.100', serverId: '10.0.0.1' }), clientBytes('discover', { mac: HOST, ipxe: true }), clientBytes('release', { mac: HOST })];
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const base = Buffer.from(valid[int(valid.length)] as Buffer);
    switch (i % 6) {
      case 0: // random bytes of random length
        out.push(Buffer.from(Array.from({ length: int(700) }, () => int(256))));
        break;
      case 1: // truncated valid packet
        out.push(base.subarray(0, int(base.length)));
        break;
      case 2: // random byte flips anywhere (lengths, op, hlen, magic, option codes)
        for (let k = 0; k < 1 + int(8); k++) base[int(base.length)] = int(256);
        out.push(base);
        break;
      case 3: // options area replaced by random TLVs with lying lengths
        out.push(Buffer.concat([base.subarray(0, 240), Buffer.from(Array.from({ length: int(300) }, () => (r() < 0.3 ? 255 : int(256))))]));
        break;
      case 4: // overload option pointing at garbage file/sname
        base.fill(int(256), 44, 236);
        out.push(Buffer.concat([base.subarray(0, 240), Buffer.from([52, 1, 1 + int(3), 53, 1, 1 + int(8), 255])]));
        break;
      default: // huge option count: many tiny options, up to a jumbo datagram
        out.push(Buffer.concat([base.subarray(0, 240), Buffer.from(Array.from({ length: 2000 + int(4000) }, (_, j) => (j % 3 === 0 ? 1 + int(250) : j % 3 === 1 ? 1 : int(256))))]));
    }
  }
  return out;
}

describe('DHCP fuzzing', () => {
  it('decoder + responder: 20000 malformed inputs only ever raise DhcpPacketError', () => {
    const responder = new DhcpResponder(
      { mode: 'full', serverIp: '10.0.0.1', subnetMask: '255.255.255.0', range: ['10.0.0.100', '10.0.0.120'], leaseSeconds: 600, allowUnknown: true, ipxeScriptUrl: (m) => `http://10.0.0.1/ipxe/${m}/boot.ipxe`, httpBase: 'http://10.0.0.1' },
      { has: () => true },
      new LeaseStore({ range: ['10.0.0.100', '10.0.0.120'] }),
    );
    let decoded = 0;
    let rejected = 0;
    for (const bytes of cases(20_000)) {
      let packet;
      try {
        packet = decodePacket(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(DhcpPacketError);
        rejected++;
        continue;
      }
      decoded++;
      expect(() => responder.handle(packet)).not.toThrow();
    }
    // Both paths were exercised: a fuzzer that only hits one branch proves little.
    expect(decoded).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  }, 60_000); // 20000 cases: the default 5 s is not enough on a loaded CI machine

  it('a live server on loopback takes 5000 malformed datagrams and still answers a valid DISCOVER', async () => {
    const responder = new DhcpResponder(
      { mode: 'full', serverIp: '127.0.0.1', subnetMask: '255.0.0.0', range: ['127.0.0.100', '127.0.0.200'], leaseSeconds: 600, allowUnknown: false, ipxeScriptUrl: (m) => `http://127.0.0.1/${m}`, httpBase: 'http://127.0.0.1' },
      { has: (m) => m === HOST },
      new LeaseStore({ range: ['127.0.0.100', '127.0.0.200'] }),
    );
    const server = new DhcpServer(responder, { port: 0, bindAddress: '127.0.0.1' });
    await server.start();
    const client = createSocket('udp4');
    const port = server.ports()[0] as number;
    try {
      const send = (b: Buffer): Promise<void> => new Promise((res) => client.send(b, port, '127.0.0.1', () => res()));
      let sent = 0;
      for (const bytes of cases(5000, 7)) {
        if (bytes.length === 0 || bytes.length >= 65_000) continue;
        await send(bytes);
        // Pace the burst: loopback drops datagrams once the receive buffer is full.
        if (++sent % 25 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      await new Promise((r) => setTimeout(r, 200));
      const answeredBefore = server.stats.answered;
      // A relayed DISCOVER (giaddr on loopback): its answer goes to the relay port, so count it.
      const discover = clientBytes('discover', { mac: HOST, giaddr: '127.0.0.1' });
      await send(discover);
      const deadline = Date.now() + 10_000;
      while (server.stats.answered === answeredBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(server.stats.received).toBeGreaterThan(sent * 0.9);
      expect(server.stats.malformed).toBeGreaterThan(1000);
      expect(server.stats.answered).toBe(answeredBefore + 1);
    } finally {
      client.close();
      await server.close();
    }
  }, 60_000);
});
