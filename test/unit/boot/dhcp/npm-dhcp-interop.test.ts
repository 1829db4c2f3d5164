/**
 * npm `dhcp` (0.2.20) where it is correct: its header and option parser and its packet formatter
 * serve as an independent implementation to check ours against (its server is not used; see the
 * README for where it is wrong). Our replies must parse there to the same fields, and packets it
 * formats must decode here.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { LeaseStore } from '../../../../src/boot/dhcp/leases.js';
import { decodePacket, encodePacket } from '../../../../src/boot/dhcp/packet.js';
import { MessageType, Opt, readIp } from '../../../../src/boot/dhcp/options.js';
import { DhcpResponder } from '../../../../src/boot/dhcp/responder.js';
import { clientPacket } from '../../../helpers/dhcp-packets.js';

interface NpmParsed {
  op: number;
  xid: number;
  yiaddr: string;
  siaddr: string;
  chaddr: string;
  file: string;
  options: Record<number, unknown>;
}
const protocol = createRequire(import.meta.url)('dhcp/lib/protocol.js') as { parse(b: Buffer): NpmParsed; format(d: unknown): { _data: Buffer; _w: number } };

describe('interoperability with npm dhcp', () => {
  it('our OFFER for a UEFI PXE client parses there to the same header and options', () => {
    const responder = new DhcpResponder(
      { mode: 'full', serverIp: '10.1.0.1', subnetMask: '255.255.255.0', router: '10.1.0.254', dns: ['10.1.0.53'], range: ['10.1.0.100', '10.1.0.110'], leaseSeconds: 3600, allowUnknown: false, ipxeScriptUrl: (m) => `http://10.1.0.1/ipxe/${m}/boot.ipxe`, httpBase: 'http://10.1.0.1' },
      { has: () => true },
      new LeaseStore({ range: ['10.1.0.100', '10.1.0.110'] }),
    );
    const offer = responder.handle(clientPacket('discover', { mac: '52:54:00:12:34:56', xid: 0x01020304, pxeArch: 7 })).reply?.packet;
    if (!offer) throw new Error('no offer');
    const theirs = protocol.parse(encodePacket(offer));
    expect(theirs).toMatchObject({ op: 2, xid: 0x01020304, yiaddr: '10.1.0.100', siaddr: '10.1.0.1', chaddr: '52-54-00-12-34-56', file: 'snponly.efi' });
    expect(theirs.options).toMatchObject({ 1: '255.255.255.0', 3: ['10.1.0.254'], 6: ['10.1.0.53'], 51: 3600, 53: MessageType.offer, 54: '10.1.0.1', 66: '10.1.0.1', 67: 'snponly.efi', 60: 'PXEClient' });
  });

  it('a REQUEST formatted there decodes here', () => {
    const sb = protocol.format({
      op: 1, htype: 1, hlen: 6, hops: 0, xid: 0xabcdef01, secs: 0, flags: 0,
      ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: '52-54-00-aa-bb-cc', sname: '', file: '',
      options: { 53: MessageType.request, 50: '10.1.0.100', 54: '10.1.0.1', 60: 'PXEClient:Arch:00007' },
    });
    const ours = decodePacket(sb._data.subarray(0, sb._w));
    expect(ours).toMatchObject({ op: 1, xid: 0xabcdef01, chaddr: '52:54:00:aa:bb:cc' });
    expect(ours.options.get(Opt.messageType)?.[0]).toBe(MessageType.request);
    expect(readIp(ours.options.get(Opt.requestedIp))).toBe('10.1.0.100');
    expect(readIp(ours.options.get(Opt.serverId))).toBe('10.1.0.1');
    expect(ours.options.get(Opt.vendorClass)?.toString()).toBe('PXEClient:Arch:00007');
  });
});
