/**
 * A read-only TFTP server (RFC 1350) with options (RFC 2347 negotiation, 2348 blksize, 2349
 * timeout and tsize, 7440 windowsize) for the firmware files PXE ROMs fetch (iPXE's
 * undionly.kpxe / snponly.efi). Each transfer has its own socket (TID), retransmits on timeout,
 * and ends quietly when the client aborts — PXE ROMs ask for tsize, abort after the OACK and ask
 * again, by design. Paths are resolved inside the root as tftp-hpa `-s` does (a leading `/` is the
 * root); `..` and anything resolving outside the root are refused; writes are refused.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFile, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { resolveInside } from '../files.js';
import { TftpError, TftpPacketError, decode, encodeData, encodeError, encodeOack } from './packets.js';

export interface TftpServerOptions {
  root: string;
  port?: number;
  /** The provisioning address (src/config); loopback when not given. */
  bindAddress?: string;
  /** Default retransmission timeout (ms) when the client does not negotiate one. */
  timeoutMs?: number;
  retries?: number;
  /** Largest file served (whole files are read into memory: firmware, not images). */
  maxFileBytes?: number;
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void;
}

export interface TftpStats {
  requests: number;
  completed: number;
  refused: number;
  aborted: number;
  malformed: number;
}

const MAX_BLKSIZE = 65464;

export class TftpServer {
  readonly stats: TftpStats = { requests: 0, completed: 0, refused: 0, aborted: 0, malformed: 0 };
  private sock: Socket | undefined;
  private readonly transfers = new Set<Transfer>();
  private root = '';

  constructor(private readonly opts: TftpServerOptions) {}

  async start(): Promise<void> {
    this.root = await realpath(resolve(this.opts.root));
    const sock = createSocket({ type: 'udp4', reuseAddr: true });
    sock.on('message', (msg, rinfo) => void this.request(msg, rinfo));
    sock.on('error', (err) => this.opts.log?.('warn', `tftp: ${err.message}`));
    await new Promise<void>((res, rej) => {
      sock.once('error', rej);
      sock.bind(this.opts.port ?? 69, this.opts.bindAddress ?? '127.0.0.1', () => {
        sock.off('error', rej);
        res();
      });
    });
    this.sock = sock;
  }

  port(): number {
    return this.sock?.address().port ?? 0;
  }

  async close(): Promise<void> {
    for (const t of [...this.transfers]) t.end();
    await new Promise<void>((r) => (this.sock ? this.sock.close(() => r()) : r()));
    this.sock = undefined;
  }

  /** The file a request names, inside the root, or a refusal. */
  async resolve(requested: string): Promise<{ path: string } | { error: number; message: string }> {
    const r = await resolveInside(this.root, requested);
    if ('refused' in r) return r.refused === 'escape' ? { error: TftpError.accessViolation, message: 'Access violation' } : { error: TftpError.fileNotFound, message: 'File not found' };
    if (r.size > (this.opts.maxFileBytes ?? 64 * 2 ** 20)) return { error: TftpError.accessViolation, message: 'File too large for TFTP' };
    return { path: r.path };
  }

  private async request(msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    let pkt;
    try {
      pkt = decode(msg);
    } catch (err) {
      this.stats.malformed++;
      this.opts.log?.('debug', `tftp: dropped datagram from ${rinfo.address}:${rinfo.port}: ${(err as Error).message}`);
      return;
    }
    const reply = (code: number, message: string): void => {
      this.stats.refused++;
      this.sock?.send(encodeError(code, message), rinfo.port, rinfo.address);
    };
    if (pkt.op === 'wrq') return reply(TftpError.accessViolation, 'Read-only server');
    if (pkt.op !== 'rrq') return; // stray DATA/ACK on the listening port: not a transfer of ours
    this.stats.requests++;
    if (pkt.mode !== 'octet' && pkt.mode !== 'netascii') return reply(TftpError.illegalOperation, `Mode ${pkt.mode} not supported`);
    const found = await this.resolve(pkt.filename);
    if ('error' in found) {
      this.opts.log?.('info', `tftp: ${rinfo.address} asked for ${JSON.stringify(pkt.filename)}: ${found.message}`);
      return reply(found.error, found.message);
    }
    let data: Buffer;
    try {
      data = await readFile(found.path);
    } catch {
      return reply(TftpError.fileNotFound, 'File not found');
    }
    this.opts.log?.('info', `tftp: sending ${pkt.filename} (${data.length} bytes) to ${rinfo.address}`);
    const t = new Transfer(data, pkt.options, rinfo, this.opts, (outcome) => {
      this.transfers.delete(t);
      if (outcome === 'completed') this.stats.completed++;
      else this.stats.aborted++;
      this.opts.log?.('debug', `tftp: ${pkt.filename} to ${rinfo.address}: ${outcome}`);
    });
    this.transfers.add(t);
    await t.start(this.opts.bindAddress ?? '127.0.0.1');
  }
}

/** One read transfer on its own socket (its TID). */
class Transfer {
  private sock: Socket | undefined;
  private blksize = 512;
  private window = 1;
  private timeoutMs: number;
  private readonly total: number;
  /** Highest block (absolute, not wrapped) the client acknowledged; 0 = none (or the OACK). */
  private acked = 0;
  private sentUpTo = 0;
  private retries = 0;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private readonly oack = new Map<string, string>();

  constructor(
    private readonly data: Buffer,
    requested: Map<string, string>,
    private readonly peer: RemoteInfo,
    private readonly opts: TftpServerOptions,
    private readonly onEnd: (outcome: 'completed' | 'aborted' | 'timed out') => void,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    // Negotiate only what we understand, within the RFC limits; unknown options are ignored (RFC 2347).
    const int = (k: string): number | undefined => (requested.has(k) && /^\d+$/.test(requested.get(k) ?? '') ? Number(requested.get(k)) : undefined);
    const blk = int('blksize');
    if (blk !== undefined && blk >= 8) {
      this.blksize = Math.min(blk, MAX_BLKSIZE);
      this.oack.set('blksize', String(this.blksize));
    }
    const timeout = int('timeout');
    if (timeout !== undefined && timeout >= 1 && timeout <= 255) {
      this.timeoutMs = timeout * 1000;
      this.oack.set('timeout', String(timeout));
    }
    if (int('tsize') !== undefined) this.oack.set('tsize', String(data.length));
    const win = int('windowsize');
    if (win !== undefined && win >= 1) {
      this.window = Math.min(win, 65535);
      this.oack.set('windowsize', String(this.window));
    }
    this.total = Math.floor(data.length / this.blksize) + 1; // the last block is short (maybe empty)
  }

  async start(bindAddress: string): Promise<void> {
    const sock = createSocket('udp4');
    this.sock = sock;
    sock.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    sock.on('error', () => this.end('aborted'));
    await new Promise<void>((res) => sock.bind(0, bindAddress, () => res()));
    if (this.oack.size > 0) this.send(encodeOack(this.oack));
    else this.sendWindow();
    this.arm();
  }

  end(outcome: 'completed' | 'aborted' | 'timed out' = 'aborted'): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    try {
      this.sock?.close();
    } catch {
      // already closed
    }
    this.onEnd(outcome);
  }

  private send(b: Buffer): void {
    if (!this.done) this.sock?.send(b, this.peer.port, this.peer.address);
  }

  private block(n: number): Buffer {
    return encodeData(n & 0xffff, this.data.subarray((n - 1) * this.blksize, n * this.blksize));
  }

  private sendWindow(): void {
    const last = Math.min(this.acked + this.window, this.total);
    for (let n = this.acked + 1; n <= last; n++) this.send(this.block(n));
    this.sentUpTo = last;
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (++this.retries > (this.opts.retries ?? 5)) return this.end('timed out');
      // Resend what is unacknowledged (the OACK if nothing was).
      if (this.acked === 0 && this.oack.size > 0 && this.sentUpTo === 0) this.send(encodeOack(this.oack));
      else this.sendWindow();
      this.arm();
    }, this.timeoutMs);
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    if (rinfo.port !== this.peer.port || rinfo.address !== this.peer.address) {
      this.sock?.send(encodeError(TftpError.unknownTid, 'Unknown transfer ID'), rinfo.port, rinfo.address);
      return;
    }
    let pkt;
    try {
      pkt = decode(msg);
    } catch (err) {
      if (err instanceof TftpPacketError) return;
      throw err;
    }
    if (pkt.op === 'error') return this.end('aborted'); // e.g. a PXE ROM after reading tsize
    if (pkt.op !== 'ack') return;
    // The 16-bit block number, unwrapped into the blocks in flight (rollover after 65535): no
    // per-ACK allocation. Before the first DATA only ACK 0 (of the OACK) is in flight.
    const n = this.acked + ((pkt.block - this.acked) & 0xffff);
    if (n > this.sentUpTo) return; // duplicate or stale ACK: ignore (no Sorcerer's Apprentice)
    this.acked = n;
    this.retries = 0;
    if (this.acked >= this.total) return this.end('completed');
    this.sendWindow();
    this.arm();
  }
}
