/** The DHCP socket: every datagram in isolation — a reply that cannot be sent or a failing decision is counted, never thrown. */
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { DHCP_MAX_DATAGRAM } from '../../../../src/boot/dhcp/packet.js';
import type { DhcpResponder, Outcome } from '../../../../src/boot/dhcp/responder.js';
import { DhcpServer, broadcastExposureWarning } from '../../../../src/boot/dhcp/server.js';
import { clientBytes, clientPacket } from '../../../helpers/dhcp-packets.js';

/** A responder that answers to an unusable destination, or throws, as told. */
function fake(outcome: () => Outcome): DhcpResponder {
  return { handle: outcome } as unknown as DhcpResponder;
}

async function send(port: number, bytes: Buffer): Promise<void> {
  const client = createSocket('udp4');
  await new Promise<void>((res) => client.send(bytes, port, '127.0.0.1', () => res()));
  client.close();
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('DHCP server isolation', () => {
  it.each([0, 5])('a reply to an unusable destination (reply delay %i ms) is counted as failed, and the server keeps going', async (replyDelayMs) => {
    let n = 0;
    const server = new DhcpServer(
      fake(() => ({ reply: { packet: clientPacket('discover'), address: '127.0.0.1', port: n++ === 0 ? 70_000 : 9 }, note: 'test' })),
      { port: 0, bindAddress: '127.0.0.1', replyDelayMs },
    );
    await server.start();
    try {
      const port = server.ports()[0] as number;
      await send(port, clientBytes('discover'));
      await until(() => server.stats.failed === 1);
      expect(server.stats.failed).toBe(1);
      await send(port, clientBytes('discover'));
      await until(() => server.stats.received === 2 && server.stats.answered === 2);
      expect(server.stats.answered).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('a throwing log sink or responder does not escape the message handler', async () => {
    const server = new DhcpServer(
      fake(() => {
        throw new Error('boom');
      }),
      {
        port: 0,
        bindAddress: '127.0.0.1',
        log: () => {
          throw new Error('log sink down');
        },
      },
    );
    await server.start();
    try {
      await send(server.ports()[0] as number, clientBytes('discover'));
      await until(() => server.stats.failed === 1);
      expect(server.stats.failed).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('drops a datagram over DHCP_MAX_DATAGRAM as malformed', async () => {
    const server = new DhcpServer(fake(() => ({ note: 'x' })), { port: 0, bindAddress: '127.0.0.1' });
    await server.start();
    try {
      await send(server.ports()[0] as number, Buffer.concat([clientBytes('discover'), Buffer.alloc(DHCP_MAX_DATAGRAM)]));
      await until(() => server.stats.malformed === 1);
      expect(server.stats.malformed).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('DHCP broadcast exposure', () => {
  const iface = (address: string, internal = false) => [{ address, netmask: '255.255.255.0', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal, cidr: `${address}/24` }];
  it('warns when a wildcard-bound DHCP server shares its namespace with more than one non-loopback interface', () => {
    expect(broadcastExposureWarning('0.0.0.0', { lo: iface('127.0.0.1', true), prov: iface('10.0.0.1') })).toBeUndefined();
    expect(broadcastExposureWarning('0.0.0.0', { lo: iface('127.0.0.1', true), prov: iface('10.0.0.1'), eth0: iface('192.168.1.5') })).toMatch(/eth0.*prov|prov.*eth0/);
    expect(broadcastExposureWarning('10.0.0.1', { prov: iface('10.0.0.1'), eth0: iface('192.168.1.5') })).toBeUndefined();
  });
});
