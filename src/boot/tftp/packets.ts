/** TFTP packets (RFC 1350) with the option extension (RFC 2347): strict decoding, never trusting input. */
export const Op = { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 } as const;
export const TftpError = { notDefined: 0, fileNotFound: 1, accessViolation: 2, diskFull: 3, illegalOperation: 4, unknownTid: 5, fileExists: 6, noSuchUser: 7, badOptions: 8 } as const;

export class TftpPacketError extends Error {}

export type TftpPacket =
  | { op: 'rrq' | 'wrq'; filename: string; mode: string; options: Map<string, string> }
  | { op: 'data'; block: number; data: Buffer }
  | { op: 'ack'; block: number }
  | { op: 'error'; code: number; message: string }
  | { op: 'oack'; options: Map<string, string> };

function strings(b: Buffer): string[] {
  if (b.length === 0 || b[b.length - 1] !== 0) throw new TftpPacketError('strings are not NUL-terminated');
  return b.subarray(0, b.length - 1).toString('latin1').split('\0');
}

export function decode(b: Buffer): TftpPacket {
  if (b.length < 4) throw new TftpPacketError(`packet too short (${b.length} bytes)`);
  const op = b.readUInt16BE(0);
  switch (op) {
    case Op.rrq:
    case Op.wrq: {
      const parts = strings(b.subarray(2));
      const [filename, mode, ...rest] = parts;
      if (!filename || !mode) throw new TftpPacketError('request without filename or mode');
      if (rest.length % 2 !== 0) throw new TftpPacketError('option without a value');
      const options = new Map<string, string>();
      for (let i = 0; i < rest.length; i += 2) options.set((rest[i] as string).toLowerCase(), rest[i + 1] as string);
      return { op: op === Op.rrq ? 'rrq' : 'wrq', filename, mode: mode.toLowerCase(), options };
    }
    case Op.data:
      return { op: 'data', block: b.readUInt16BE(2), data: b.subarray(4) };
    case Op.ack:
      return { op: 'ack', block: b.readUInt16BE(2) };
    case Op.error: {
      const [message = ''] = b.length > 4 ? strings(b.subarray(4)) : [''];
      return { op: 'error', code: b.readUInt16BE(2), message };
    }
    case Op.oack: {
      const parts = strings(b.subarray(2));
      const options = new Map<string, string>();
      for (let i = 0; i + 1 < parts.length; i += 2) options.set((parts[i] as string).toLowerCase(), parts[i + 1] as string);
      return { op: 'oack', options };
    }
    default:
      throw new TftpPacketError(`unknown opcode ${op}`);
  }
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
};

/** One allocation and one copy per block (it is the hot path of every transfer). */
export function encodeData(block: number, data: Buffer): Buffer {
  const b = Buffer.allocUnsafe(4 + data.length);
  b.writeUInt16BE(Op.data, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  data.copy(b, 4);
  return b;
}
export const encodeAck = (block: number): Buffer => Buffer.concat([u16(Op.ack), u16(block)]);
export const encodeError = (code: number, message: string): Buffer => Buffer.concat([u16(Op.error), u16(code), Buffer.from(`${message}\0`, 'latin1')]);
export const encodeOack = (options: Map<string, string>): Buffer =>
  Buffer.concat([u16(Op.oack), Buffer.from([...options].map(([k, v]) => `${k}\0${v}\0`).join(''), 'latin1')]);
export const encodeRequest = (op: 'rrq' | 'wrq', filename: string, mode = 'octet', options: Map<string, string> = new Map()): Buffer =>
  Buffer.concat([u16(op === 'rrq' ? Op.rrq : Op.wrq), Buffer.from(`${filename}\0${mode}\0${[...options].map(([k, v]) => `${k}\0${v}\0`).join('')}`, 'latin1')]);
