/** DHCP option codes we read or write (RFC 2132, 3004, 4578, iPXE) and their value encodings. */
export const Opt = {
  subnetMask: 1,
  router: 3,
  dns: 6,
  hostname: 12,
  domainName: 15,
  broadcast: 28,
  vendorSpecific: 43,
  requestedIp: 50,
  leaseTime: 51,
  overload: 52,
  messageType: 53,
  serverId: 54,
  paramList: 55,
  message: 56,
  maxMessageSize: 57,
  renewalTime: 58,
  rebindingTime: 59,
  vendorClass: 60,
  clientId: 61,
  tftpServer: 66,
  bootFile: 67,
  userClass: 77,
  clientArch: 93,
  clientNdi: 94,
  clientUuid: 97,
  ipxe: 175,
} as const;

export const MessageType = { discover: 1, offer: 2, request: 3, decline: 4, ack: 5, nak: 6, release: 7, inform: 8 } as const;
export type MessageTypeName = keyof typeof MessageType;

export function messageTypeName(code: number | undefined): MessageTypeName | undefined {
  return (Object.keys(MessageType) as MessageTypeName[]).find((k) => MessageType[k] === code);
}

export const ipBytes = (...ips: string[]): Buffer => Buffer.from(ips.flatMap((a) => a.split('.').map(Number)));
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
export const text = (s: string): Buffer => Buffer.from(s, 'latin1');

export function readIp(b: Buffer | undefined): string | undefined {
  return b && b.length === 4 ? [...b].join('.') : undefined;
}

/** Option 93 (RFC 4578): a list of 16-bit architecture types; the first is the client's. */
export function readArch(b: Buffer | undefined): number | undefined {
  return b && b.length >= 2 ? b.readUInt16BE(0) : undefined;
}

/**
 * Option 77 user classes: RFC 3004 says length-prefixed, but iPXE sends the raw string `iPXE`
 * (see the reference notes), so both readings are returned.
 */
export function readUserClasses(b: Buffer | undefined): string[] {
  if (!b || b.length === 0) return [];
  const raw = b.toString('latin1');
  const classes = [raw];
  for (let i = 0; i < b.length; ) {
    const len = b[i] as number;
    if (len === 0 || i + 1 + len > b.length) break;
    classes.push(b.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += 1 + len;
  }
  return classes;
}
