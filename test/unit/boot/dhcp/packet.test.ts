import { describe, expect, it } from 'vitest';
import { DhcpPacketError, decodePacket, encodePacket } from '../../../../src/boot/dhcp/packet.js';
import { Opt, readArch, readUserClasses } from '../../../../src/boot/dhcp/options.js';
import { clientBytes, clientPacket } from '../../../helpers/dhcp-packets.js';

describe('DHCP packet codec', () => {
  it('round-trips a PXE DISCOVER with every field', () => {
    const p = clientPacket('discover', { mac: '52:54:00:ab:cd:ef', xid: 0xdeadbeef, pxeArch: 7, requested: '10.0.0.9' });
    const bytes = encodePacket(p);
    expect(bytes.length).toBeGreaterThanOrEqual(300); // BOOTP minimum
    const back = decodePacket(bytes);
    expect(back).toMatchObject({ op: 1, htype: 1, hlen: 6, xid: 0xdeadbeef, flags: 0x8000, chaddr: '52:54:00:ab:cd:ef', ciaddr: '0.0.0.0' });
    expect(readArch(back.options.get(Opt.clientArch))).toBe(7);
    expect(back.options.get(Opt.requestedIp)).toEqual(Buffer.from([10, 0, 0, 9]));
  });

  it('treats PAD as one byte (npm dhcp misparses it) and tolerates a missing END', () => {
    const b = clientBytes('discover');
    const withPad = Buffer.concat([b.subarray(0, 240), Buffer.from([0, 0, 0]), b.subarray(240)]);
    expect(decodePacket(withPad).options.get(Opt.messageType)).toEqual(Buffer.from([1]));
    const noEnd = Buffer.concat([b.subarray(0, 240), Buffer.from([53, 1, 3])]);
    expect(decodePacket(noEnd).options.get(Opt.messageType)).toEqual(Buffer.from([3]));
  });

  it('concatenates split options (RFC 3396) and splits long ones when encoding', () => {
    const long = Buffer.alloc(600, 7);
    const p = clientPacket('discover', { extra: [[Opt.vendorSpecific, long]] });
    expect(decodePacket(encodePacket(p)).options.get(Opt.vendorSpecific)).toEqual(long);
  });

  it('reads options overloaded into file and sname (option 52)', () => {
    const b = clientBytes('discover');
    b.write('\u0000', 108);
    Buffer.from([60, 4, 0x50, 0x58, 0x45, 0x43, 255]).copy(b, 108); // vendor class "PXEC" in `file`
    const withOverload = Buffer.concat([b.subarray(0, 240), Buffer.from([52, 1, 1]), b.subarray(240)]);
    const p = decodePacket(withOverload);
    expect(p.options.get(Opt.vendorClass)?.toString()).toBe('PXEC');
    expect(p.file).toBe('');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['truncated header', clientBytes('discover').subarray(0, 100)],
    ['no magic cookie', Buffer.alloc(300)],
    ['option length past the end', Buffer.concat([clientBytes('discover').subarray(0, 240), Buffer.from([60, 200, 1, 2])])],
    ['option without length', Buffer.concat([clientBytes('discover').subarray(0, 240), Buffer.from([60])])],
    ['hlen over 16', (() => { const b = clientBytes('discover'); b[2] = 40; return b; })()],
    ['bad op', (() => { const b = clientBytes('discover'); b[0] = 9; return b; })()],
  ])('rejects %s with a DhcpPacketError', (_, bytes) => {
    expect(() => decodePacket(bytes)).toThrow(DhcpPacketError);
  });

  it('reads iPXE user class both raw and RFC 3004 length-prefixed', () => {
    expect(readUserClasses(Buffer.from('iPXE'))).toContain('iPXE');
    expect(readUserClasses(Buffer.from([4, ...Buffer.from('iPXE')]))).toContain('iPXE');
    expect(readUserClasses(Buffer.from('other'))).not.toContain('iPXE');
  });
});
