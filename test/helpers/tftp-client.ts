/** A small TFTP read client for tests (with options, windowsize, and deliberate packet loss). */
import { createSocket } from 'node:dgram';
import { decode, encodeAck, encodeError, encodeRequest } from '../../src/boot/tftp/packets.js';

export interface FetchResult {
  data?: Buffer;
  error?: { code: number; message: string };
  oack?: Map<string, string>;
  /** DATA packets received (including retransmissions). */
  packets: number;
}

export async function tftpGet(
  port: number,
  filename: string,
  opts: { options?: Record<string, string>; drop?: (block: number, seen: number) => boolean; abortAfterOack?: boolean; host?: string; timeoutMs?: number } = {},
): Promise<FetchResult> {
  const sock = createSocket('udp4');
  const host = opts.host ?? '127.0.0.1';
  const chunks = new Map<number, Buffer>();
  const seen = new Map<number, number>();
  let blksize = Number(opts.options?.blksize ?? 512);
  let windowsize = Number(opts.options?.windowsize ?? 1);
  let expected = 1;
  let packets = 0;
  let oack: Map<string, string> | undefined;
  try {
    return await new Promise<FetchResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tftp ${filename}: no end after ${opts.timeoutMs ?? 20_000} ms`)), opts.timeoutMs ?? 20_000);
      const finish = (r: FetchResult): void => {
        clearTimeout(timer);
        resolve(r);
      };
      sock.on('message', (msg, rinfo) => {
        const p = decode(msg);
        if (p.op === 'error') return finish({ error: { code: p.code, message: p.message }, packets });
        if (p.op === 'oack') {
          oack = p.options;
          blksize = Number(p.options.get('blksize') ?? 512);
          windowsize = Number(p.options.get('windowsize') ?? 1);
          if (opts.abortAfterOack) {
            sock.send(encodeError(0, 'tsize only'), rinfo.port, rinfo.address);
            return finish({ oack, packets });
          }
          sock.send(encodeAck(0), rinfo.port, rinfo.address);
          return;
        }
        if (p.op !== 'data') return;
        packets++;
        // Unwrap the 16-bit block number: the signed distance from the block we expect.
        const abs = expected + ((((p.block - expected) & 0xffff) ^ 0x8000) - 0x8000);
        const n = (seen.get(abs) ?? 0) + 1;
        seen.set(abs, n);
        if (opts.drop?.(abs, n)) return; // lost on the way
        if (abs === expected) {
          chunks.set(abs, p.data);
          expected++;
          const last = p.data.length < blksize;
          if (last || (expected - 1) % windowsize === 0) sock.send(encodeAck((expected - 1) & 0xffff), rinfo.port, rinfo.address);
          if (last) finish({ data: Buffer.concat([...chunks.keys()].sort((a, b) => a - b).map((k) => chunks.get(k) as Buffer)), ...(oack ? { oack } : {}), packets });
        } else if (abs > expected) {
          // A gap: acknowledge what we have so the server resends from there (RFC 7440).
          sock.send(encodeAck((expected - 1) & 0xffff), rinfo.port, rinfo.address);
        }
      });
      sock.send(encodeRequest('rrq', filename, 'octet', new Map(Object.entries(opts.options ?? {}))), port, host);
    });
  } finally {
    sock.close();
  }
}

export interface PeerPacket {
  /** The sender's port: the listening port for refusals, a transfer's TID otherwise. */
  port: number;
  pkt: ReturnType<typeof decode>;
}

/**
 * A raw TFTP peer for protocol tests: sends what the test says, queues every packet it gets, and
 * lets the test take them in arrival order (or all of them once the server has gone quiet).
 */
export class TftpPeer {
  private readonly queue: PeerPacket[] = [];
  private waiter: (() => void) | undefined;
  private constructor(readonly sock: ReturnType<typeof createSocket>) {
    sock.on('message', (msg, rinfo) => {
      this.queue.push({ port: rinfo.port, pkt: decode(msg) });
      this.waiter?.();
    });
  }

  static async open(address = '127.0.0.1'): Promise<TftpPeer> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, address, () => r()));
    return new TftpPeer(sock);
  }

  send(b: Buffer, port: number, host = '127.0.0.1'): void {
    this.sock.send(b, port, host);
  }

  /** The next packet, or an error after `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<PeerPacket> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) {
        // A stalled process runs expired timers before reading what arrived meanwhile: read it first.
        await new Promise((r) => setImmediate(r));
        if (this.queue.length > 0) break;
        throw new Error(`no packet within ${timeoutMs} ms`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift() as PeerPacket;
  }

  /** Every packet that arrives until none has for `quietMs` (the server has nothing more to say). */
  async drain(quietMs = 300): Promise<PeerPacket[]> {
    const out: PeerPacket[] = [];
    for (;;) {
      try {
        out.push(await this.next(quietMs));
      } catch {
        return out;
      }
    }
  }

  close(): void {
    this.sock.close();
  }
}
