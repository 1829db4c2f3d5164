/**
 * DHCPv4 / BOOTP packets (RFC 2131, 2132, 3396): a strict decoder that never trusts a length and a
 * canonical encoder. Every malformed input is a DhcpPacketError, so the server can drop it and
 * carry on (the npm `dhcp` parser misreads PAD and throws from inside its socket handler).
 */
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
const MAGIC = 0x63825363;
const FIXED = 236;
/** BOOTP clients (and some PXE ROMs) ignore replies shorter than the 300-byte BOOTP minimum. */
const MIN_REPLY = 300;

/** Largest datagram decoded: dnsmasq's DHCP_PACKET_MAX (clients send a few hundred bytes). */
export const DHCP_MAX_DATAGRAM = 16_384;
/** Most option instances (PAD and END not counted) in one packet, split options (RFC 3396) included. */
export const DHCP_MAX_OPTIONS = 512;

export class DhcpPacketError extends Error {}

export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Client hardware address, hlen bytes (a MAC `aa:bb:…` for Ethernet). */
  chaddr: string;
  sname: string;
  file: string;
  /** Option code → value (repeated options concatenated, RFC 3396). PAD/END are not kept. */
  options: Map<number, Buffer>;
}

const ip = (b: Buffer, at: number): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end === -1 ? b.length : end).toString('latin1');
}

/**
 * Collects the option instances of one field as views into the datagram (no copy), so that split
 * options (RFC 3396) are joined once at the end: linear in the packet, however it is packed.
 */
function readOptions(b: Buffer, into: Map<number, Buffer[]>, count: { n: number }, where: string): void {
  let i = 0;
  while (i < b.length) {
    const code = b[i] as number;
    if (code === 0) {
      i += 1; // PAD is one byte, no length
      continue;
    }
    if (code === 255) return;
    if (i + 1 >= b.length) throw new DhcpPacketError(`${where}: option ${code} has no length`);
    const len = b[i + 1] as number;
    if (i + 2 + len > b.length) throw new DhcpPacketError(`${where}: option ${code} runs past the end (${len} bytes)`);
    if (++count.n > DHCP_MAX_OPTIONS) throw new DhcpPacketError(`more than ${DHCP_MAX_OPTIONS} options`);
    const value = b.subarray(i + 2, i + 2 + len);
    const parts = into.get(code);
    if (parts) parts.push(value);
    else into.set(code, [value]);
    i += 2 + len;
  }
  // No END: tolerated (many clients pad instead), as ISC dhcpd does.
}

export function decodePacket(b: Buffer): DhcpPacket {
  if (b.length < FIXED + 4) throw new DhcpPacketError(`packet too short (${b.length} bytes)`);
  if (b.length > DHCP_MAX_DATAGRAM) throw new DhcpPacketError(`packet of ${b.length} bytes is over the ${DHCP_MAX_DATAGRAM}-byte limit`);
  if (b.readUInt32BE(FIXED) !== MAGIC) throw new DhcpPacketError('no DHCP magic cookie (plain BOOTP is not served)');
  const op = b[0] as number;
  if (op !== BOOTREQUEST && op !== BOOTREPLY) throw new DhcpPacketError(`bad op ${op}`);
  const hlen = b[2] as number;
  if (hlen > 16) throw new DhcpPacketError(`bad hlen ${hlen}`);
  const parts = new Map<number, Buffer[]>();
  const count = { n: 0 };
  readOptions(b.subarray(FIXED + 4), parts, count, 'options');
  // Option overload (52): more options in `file` and/or `sname` (RFC 3396 order: options, file, sname).
  const overload = parts.get(52)?.[0]?.[0] ?? 0;
  if (overload & 1) readOptions(b.subarray(108, 236), parts, count, 'file (overloaded)');
  if (overload & 2) readOptions(b.subarray(44, 108), parts, count, 'sname (overloaded)');
  // One copy per option: the values must not keep the whole datagram alive.
  const options = new Map<number, Buffer>();
  for (const [code, values] of parts) options.set(code, values.length === 1 ? Buffer.from(values[0] as Buffer) : Buffer.concat(values));
  return {
    op,
    htype: b[1] as number,
    hlen,
    hops: b[3] as number,
    xid: b.readUInt32BE(4),
    secs: b.readUInt16BE(8),
    flags: b.readUInt16BE(10),
    ciaddr: ip(b, 12),
    yiaddr: ip(b, 16),
    siaddr: ip(b, 20),
    giaddr: ip(b, 24),
    chaddr: [...b.subarray(28, 28 + hlen)].map((x) => x.toString(16).padStart(2, '0')).join(':'),
    sname: overload & 2 ? '' : cString(b.subarray(44, 108)),
    file: overload & 1 ? '' : cString(b.subarray(108, 236)),
    options,
  };
}

function writeIp(b: Buffer, at: number, value: string): void {
  const parts = value.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new DhcpPacketError(`bad IPv4 address ${value}`);
  parts.forEach((p, i) => (b[at + i] = p));
}

function writeString(b: Buffer, at: number, max: number, value: string): void {
  const bytes = Buffer.from(value, 'latin1');
  if (bytes.length >= max) throw new DhcpPacketError(`"${value}" does not fit in ${max - 1} bytes`);
  bytes.copy(b, at);
}

export function encodePacket(p: DhcpPacket): Buffer {
  const opts: Buffer[] = [];
  for (const [code, value] of p.options) {
    if (code === 0 || code === 255) continue;
    // Values over 255 bytes are split into several instances of the option (RFC 3396).
    for (let at = 0; at < value.length || at === 0; at += 255) {
      const chunk = value.subarray(at, at + 255);
      opts.push(Buffer.from([code, chunk.length]), chunk);
      if (value.length === 0) break;
    }
  }
  opts.push(Buffer.from([255]));
  const body = Buffer.concat(opts);
  const b = Buffer.alloc(Math.max(MIN_REPLY, FIXED + 4 + body.length));
  b[0] = p.op;
  b[1] = p.htype;
  b[2] = p.hlen;
  b[3] = p.hops;
  b.writeUInt32BE(p.xid >>> 0, 4);
  b.writeUInt16BE(p.secs, 8);
  b.writeUInt16BE(p.flags, 10);
  writeIp(b, 12, p.ciaddr);
  writeIp(b, 16, p.yiaddr);
  writeIp(b, 20, p.siaddr);
  writeIp(b, 24, p.giaddr);
  const hw = p.chaddr === '' ? [] : p.chaddr.split(':').map((x) => parseInt(x, 16));
  if (hw.length > 16 || hw.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new DhcpPacketError(`bad chaddr ${p.chaddr}`);
  hw.forEach((x, i) => (b[28 + i] = x));
  writeString(b, 44, 64, p.sname);
  writeString(b, 108, 128, p.file);
  b.writeUInt32BE(MAGIC, FIXED);
  body.copy(b, FIXED + 4);
  return b;
}
