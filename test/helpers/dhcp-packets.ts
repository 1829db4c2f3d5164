/** Client-side DHCP packets as firmware, iPXE and Linux clients send them (for tests). */
import { BOOTREQUEST, encodePacket, type DhcpPacket } from '../../src/boot/dhcp/packet.js';
import { MessageType, Opt, ipBytes, text, type MessageTypeName } from '../../src/boot/dhcp/options.js';

export interface ClientOpts {
  mac?: string;
  xid?: number;
  ciaddr?: string;
  giaddr?: string;
  requested?: string;
  serverId?: string;
  /** PXE firmware of this architecture (option 93), vendor class PXEClient. */
  pxeArch?: number;
  /** iPXE: user class "iPXE" and option 175. */
  ipxe?: boolean;
  httpBoot?: boolean;
  extra?: Array<[number, Buffer]>;
}

export function clientPacket(type: MessageTypeName, o: ClientOpts = {}): DhcpPacket {
  const options = new Map<number, Buffer>([[Opt.messageType, Buffer.from([MessageType[type]])]]);
  if (o.requested) options.set(Opt.requestedIp, ipBytes(o.requested));
  if (o.serverId) options.set(Opt.serverId, ipBytes(o.serverId));
  if (o.pxeArch !== undefined) {
    options.set(Opt.vendorClass, text(`PXEClient:Arch:${String(o.pxeArch).padStart(5, '0')}:UNDI:003016`));
    options.set(Opt.clientArch, Buffer.from([0, o.pxeArch]));
  }
  if (o.httpBoot) {
    options.set(Opt.vendorClass, text('HTTPClient:Arch:00016:UNDI:003001'));
    options.set(Opt.clientArch, Buffer.from([0, 16]));
  }
  if (o.ipxe) {
    options.set(Opt.userClass, text('iPXE'));
    options.set(Opt.ipxe, Buffer.from([1, 1, 1]));
  }
  for (const [k, v] of o.extra ?? []) options.set(k, v);
  return {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: o.xid ?? 0x1234abcd,
    secs: 0,
    flags: 0x8000,
    ciaddr: o.ciaddr ?? '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: o.giaddr ?? '0.0.0.0',
    chaddr: o.mac ?? '52:54:00:00:00:01',
    sname: '',
    file: '',
    options,
  };
}

export const clientBytes = (type: MessageTypeName, o: ClientOpts = {}): Buffer => encodePacket(clientPacket(type, o));
