/**
 * The TFTP side of bench/boot-plane: a read client as PXE firmware and iPXE use it (RRQ with
 * blksize and, when the server agrees, RFC 7440 windowsize; retransmission on timeout), counting
 * bytes as they arrive, and the attacker's datagrams.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { TftpPacketError, decode, encodeAck, encodeError, encodeRequest } from '../src/boot/tftp/packets.js';

export interface FetchOptions {
  host: string;
  port: number;
  file: string;
  blksize: number;
  windowsize: number;
  /** Wait for the next packet before resending our last one. */
  timeoutMs: number;
  retries: number;
  /** Epoch ms at which the transfer is cut off (the end of the measurement window). */
  deadline: number;
  /** Called with each in-order payload's length, as it arrives. */
  onBytes?: (n: number) => void;
  /** Cuts the transfer before its deadline. */
  signal?: AbortSignal;
  /** The client's own address (each simulated machine has its own). */
  localAddress?: string;
}

export interface FetchResult {
  outcome: 'completed' | 'failed' | 'cut';
  bytes: number;
  ms: number;
  /** Window the server agreed to (1 when it does not know RFC 7440). */
  window: number;
  reason?: string;
}

export function tftpFetch(o: FetchOptions): Promise<FetchResult> {
  const sock = createSocket('udp4');
  const t0 = Date.now();
  let server: { port: number; address: string } | undefined;
  let blksize = 512;
  let window = 1;
  let expected = 1;
  let sinceAck = 0;
  let gapAcked = false;
  let bytes = 0;
  let retries = 0;
  let last = encodeRequest('rrq', o.file, 'octet', new Map([['blksize', String(o.blksize)], ['windowsize', String(o.windowsize)], ['tsize', '0']]));
  return new Promise<FetchResult>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const finish = (outcome: FetchResult['outcome'], reason?: string): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      clearTimeout(cutoff);
      // Close only once the last datagram is out: closing at once cancels a queued send, and the
      // server would wait for a final ACK that never comes.
      const farewell = outcome === 'cut' ? encodeError(0, 'bench: transfer cut') : outcome === 'completed' ? last : undefined;
      if (farewell && server) sock.send(farewell, server.port, server.address, () => sock.close());
      else sock.close();
      resolve({ outcome, bytes, ms: Date.now() - t0, window, ...(reason ? { reason } : {}) });
    };
    const send = (b: Buffer): void => {
      last = b;
      sock.send(b, server?.port ?? o.port, server?.address ?? o.host);
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (++retries > o.retries) return finish('failed', `no answer after ${o.retries} retries`);
        sock.send(last, server?.port ?? o.port, server?.address ?? o.host);
        arm();
      }, o.timeoutMs);
    };
    const cutoff = setTimeout(() => finish('cut'), Math.max(0, o.deadline - Date.now()));
    o.signal?.addEventListener('abort', () => finish('cut'), { once: true });
    const ack = (n: number): void => {
      sinceAck = 0;
      send(encodeAck(n & 0xffff));
    };
    sock.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      if (server && (rinfo.port !== server.port || rinfo.address !== server.address)) return;
      let p;
      try {
        p = decode(msg);
      } catch (err) {
        if (err instanceof TftpPacketError) return;
        throw err;
      }
      server ??= { port: rinfo.port, address: rinfo.address };
      if (p.op === 'error') return finish('failed', `ERROR ${p.code} ${p.message}`);
      if (p.op === 'oack') {
        if (expected !== 1) return; // a retransmitted OACK after DATA began
        blksize = Number(p.options.get('blksize') ?? 512);
        window = Number(p.options.get('windowsize') ?? 1);
        retries = 0;
        arm();
        return ack(0);
      }
      if (p.op !== 'data') return;
      // Unwrap the 16-bit block number around the block we expect.
      const abs = expected + ((((p.block - expected) & 0xffff) ^ 0x8000) - 0x8000);
      if (abs < expected) return; // duplicate
      if (abs > expected) {
        if (!gapAcked) ack(expected - 1); // a loss: ask for the rest again (RFC 7440), once per gap
        gapAcked = true;
        return;
      }
      gapAcked = false;
      retries = 0;
      expected++;
      sinceAck++;
      bytes += p.data.length;
      o.onBytes?.(p.data.length);
      arm();
      if (p.data.length < blksize) {
        last = encodeAck(abs & 0xffff); // sent by finish(), which then closes
        return finish('completed');
      }
      if (sinceAck >= window) ack(abs);
    });
    sock.bind(0, o.localAddress, () => {
      sock.send(last, o.port, o.host);
      arm();
    });
  });
}

export interface TftpAttackTarget {
  bigFile: string;
  smallFile: string;
}

/**
 * The i-th attack datagram, in a fixed mix: 9/20 RRQ for the big file with windowsize=65535,
 * timeout=255 (the attacker ACKs the OACK of about half of them once, the amplification probe,
 * and abandons the rest), 7/20 plain RRQs with timeout=255 never ACKed, 4/20 garbage.
 */
export function tftpAttackDatagram(i: number, t: TftpAttackTarget): Buffer {
  const slot = i % 20;
  if (slot < 9) return encodeRequest('rrq', t.bigFile, 'octet', new Map([['blksize', '1468'], ['timeout', '255'], ['windowsize', '65535'], ['tsize', '0']]));
  if (slot < 16) return encodeRequest('rrq', slot % 2 ? t.smallFile : t.bigFile, 'octet', new Map([['timeout', '255']]));
  if (slot === 16) return randomBytes(1 + (i % 512));
  if (slot === 17) return Buffer.from([0, 9, 1, 2, 3, 4]); // unknown opcode
  if (slot === 18) return Buffer.from([0, 1, 0x61, 0x61, 0x61]); // RRQ without terminators
  return Buffer.from([0, 4, 0, 1]); // a stray ACK on the listening port
}
