/**
 * A read-only TFTP server (RFC 1350) with options (RFC 2347 negotiation, 2348 blksize, 2349
 * timeout and tsize, 7440 windowsize) for the firmware files PXE ROMs fetch (iPXE's
 * undionly.kpxe / snponly.efi). Each transfer has its own socket (TID), retransmits on timeout,
 * and ends quietly when the client aborts — PXE ROMs ask for tsize, abort after the OACK and ask
 * again, by design. Paths are resolved inside the root as tftp-hpa `-s` does (a leading `/` is the
 * root); `..` and anything resolving outside the root are refused; writes are refused.
 *
 * Every machine on the provisioning network reaches it, so it is hostile by default (caps in
 * limits.ts): concurrent transfers are capped in all and per source address (over a cap the
 * listening port answers ERROR, no socket is opened); concurrent transfers share one read of each
 * file (a cache bounded in bytes); windows, blocks and timeouts are clamped; each datagram is
 * handled on its own and no input can make the handler reject.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { resolveInside } from '../files.js';
import { bindError } from '../../net/listen-error.js';
import { FileCache } from './file-cache.js';
import {
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  MAX_BLKSIZE,
  MAX_CACHE_BYTES,
  MAX_FILE_BYTES,
  MAX_RESEND_FACTOR,
  MAX_TIMEOUT_S,
  MAX_TRANSFERS,
  MAX_TRANSFERS_PER_CLIENT,
  MAX_TRANSFER_MS,
  MAX_WINDOWSIZE,
} from './limits.js';
import { negotiate } from './negotiate.js';
import { Op, TftpError, decode, encodeError } from './packets.js';
import { Transfer, type TransferOutcome } from './transfer.js';

export interface TftpServerOptions {
  root: string;
  port?: number;
  /** The provisioning address (src/config); loopback when not given. */
  bindAddress?: string;
  /** Default retransmission timeout (ms) when the client does not negotiate one. */
  timeoutMs?: number;
  retries?: number;
  /** Largest file served (the whole file is held once, shared by its transfers: firmware, not images). */
  maxFileBytes?: number;
  /** Concurrent transfers in all (default MAX_TRANSFERS). */
  maxTransfers?: number;
  /** Concurrent transfers per source address (default MAX_TRANSFERS_PER_CLIENT). */
  maxTransfersPerClient?: number;
  /** Largest blksize granted (default MAX_BLKSIZE, an Ethernet frame; raise for jumbo frames). */
  maxBlksize?: number;
  /** Largest windowsize granted (default MAX_WINDOWSIZE). */
  maxWindowsize?: number;
  /** Longest a transfer may last (default MAX_TRANSFER_MS). */
  maxTransferMs?: number;
  /** Bytes of file contents held for all transfers (default MAX_CACHE_BYTES). */
  cacheBytes?: number;
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void;
}

export interface TftpStats {
  requests: number;
  completed: number;
  refused: number;
  aborted: number;
  malformed: number;
  /** Requests refused because a transfer cap (global or per client) or the file cache was full. */
  refusedBusy: number;
  /** Transfers in progress. */
  active: number;
  /** Datagrams whose handling failed unexpectedly (logged, answered where possible). */
  failed: number;
}

export class TftpServer {
  readonly stats: TftpStats = { requests: 0, completed: 0, refused: 0, aborted: 0, malformed: 0, refusedBusy: 0, active: 0, failed: 0 };
  private sock: Socket | undefined;
  private closed = false;
  private readonly transfers = new Set<Transfer>();
  /** Transfers (and requests being prepared) per source address. */
  private readonly perClient = new Map<string, number>();
  private readonly cache: FileCache;
  private root = '';

  constructor(private readonly opts: TftpServerOptions) {
    this.cache = new FileCache(opts.cacheBytes ?? MAX_CACHE_BYTES, opts.maxFileBytes ?? MAX_FILE_BYTES);
  }

  /** Binds the port exclusively (no SO_REUSEADDR): another server on it is an AddressInUseError naming address and port. */
  async start(): Promise<void> {
    this.root = await realpath(resolve(this.opts.root));
    const port = this.opts.port ?? 69;
    const address = this.bindAddress();
    const sock = createSocket({ type: 'udp4' });
    try {
      await new Promise<void>((res, rej) => {
        sock.once('error', rej);
        sock.bind({ port, address, exclusive: true }, () => {
          sock.off('error', rej);
          res();
        });
      });
    } catch (err) {
      sock.close();
      throw bindError(err, 'udp', address, port, 'TFTP server');
    }
    sock.on('message', (msg, rinfo) => this.datagram(msg, rinfo));
    sock.on('error', (err) => this.log('warn', `tftp: ${err.message}`));
    this.sock = sock;
    this.closed = false;
  }

  private bindAddress(): string {
    return this.opts.bindAddress ?? '127.0.0.1'; // the provisioning address comes from the settings; never every interface by accident
  }

  port(): number {
    return this.sock?.address().port ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of [...this.transfers]) t.end();
    const sock = this.sock;
    this.sock = undefined;
    await new Promise<void>((r) => (sock ? sock.close(() => r()) : r()));
  }

  /** The file a request names, inside the root, or a refusal. */
  async resolve(requested: string): Promise<{ path: string } | { error: number; message: string }> {
    const r = await resolveInside(this.root, requested);
    if ('refused' in r) return r.refused === 'escape' ? { error: TftpError.accessViolation, message: 'Access violation' } : { error: TftpError.fileNotFound, message: 'File not found' };
    if (r.size > (this.opts.maxFileBytes ?? MAX_FILE_BYTES)) return { error: TftpError.accessViolation, message: 'File too large for TFTP' };
    return { path: r.path };
  }

  private log(level: 'debug' | 'info' | 'warn', message: string): void {
    this.opts.log?.(level, message);
  }

  /** Each datagram on its own: whatever goes wrong is logged here, never a rejection. */
  private datagram(msg: Buffer, rinfo: RemoteInfo): void {
    this.request(msg, rinfo).catch((err: unknown) => {
      this.stats.failed++;
      this.log('warn', `tftp: request from ${rinfo.address}:${rinfo.port} failed: ${(err as Error).message}`);
    });
  }

  /** An answer from the listening port; never throws (a bad port or a closing socket drops it). */
  private answer(rinfo: RemoteInfo, code: number, message: string): void {
    if (!this.sock || rinfo.port === 0) return;
    try {
      this.sock.send(encodeError(code, message), rinfo.port, rinfo.address, () => undefined);
    } catch {
      // closing: no answer
    }
  }

  private async request(msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    if (this.closed) return;
    const from = `${rinfo.address}:${rinfo.port}`;
    let pkt;
    try {
      pkt = decode(msg);
    } catch (err) {
      this.stats.malformed++;
      this.log('debug', `tftp: dropped datagram from ${from}: ${(err as Error).message}`);
      // A broken request is told so; anything else that is not a request gets no answer.
      const op = msg.length >= 2 ? msg.readUInt16BE(0) : 0;
      if (op === Op.rrq || op === Op.wrq) this.answer(rinfo, TftpError.illegalOperation, 'Malformed request');
      return;
    }
    const refuse = (code: number, message: string): void => {
      this.stats.refused++;
      this.answer(rinfo, code, message);
    };
    if (pkt.op === 'wrq') return refuse(TftpError.accessViolation, 'Read-only server');
    if (pkt.op !== 'rrq') return; // stray DATA/ACK on the listening port: not a transfer of ours
    this.stats.requests++;
    if (rinfo.port === 0) {
      this.stats.malformed++;
      this.log('debug', `tftp: dropped request from ${from}: source port 0 cannot be answered`);
      return;
    }
    if (pkt.mode !== 'octet' && pkt.mode !== 'netascii') return refuse(TftpError.illegalOperation, `Mode ${pkt.mode} not supported`);
    // Reserve the slot before any await, so concurrent requests cannot overshoot the caps.
    if (!this.reserve(rinfo.address)) {
      this.stats.refusedBusy++;
      this.log('info', `tftp: refused ${JSON.stringify(pkt.filename)} to ${from}: too many transfers`);
      return refuse(TftpError.notDefined, 'Too many transfers, try again later');
    }
    let started = false;
    try {
      started = await this.serve(pkt.filename, pkt.options, rinfo, refuse);
    } finally {
      if (!started) this.unreserve(rinfo.address);
    }
  }

  /** Resolves and opens the file and starts its transfer; true once the transfer owns the slot. */
  private async serve(filename: string, options: Map<string, string>, rinfo: RemoteInfo, refuse: (code: number, message: string) => void): Promise<boolean> {
    const found = await this.resolve(filename);
    if ('error' in found) {
      this.log('info', `tftp: ${rinfo.address} asked for ${JSON.stringify(filename)}: ${found.message}`);
      refuse(found.error, found.message);
      return false;
    }
    const file = await this.cache.acquire(found.path);
    if ('refused' in file) {
      if (file.refused === 'busy') {
        this.stats.refusedBusy++;
        refuse(TftpError.notDefined, 'Server busy, try again later');
      } else refuse(file.refused === 'too large' ? TftpError.accessViolation : TftpError.fileNotFound, file.refused === 'too large' ? 'File too large for TFTP' : 'File not found');
      return false;
    }
    if (this.closed) {
      file.release();
      return false;
    }
    let t: Transfer;
    try {
      const negotiated = negotiate(options, file.data.length, {
        maxBlksize: this.opts.maxBlksize ?? MAX_BLKSIZE,
        maxWindowsize: this.opts.maxWindowsize ?? MAX_WINDOWSIZE,
        maxTimeoutSeconds: MAX_TIMEOUT_S,
        timeoutMs: this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
      const limits = { retries: this.opts.retries ?? DEFAULT_RETRIES, maxTransferMs: this.opts.maxTransferMs ?? MAX_TRANSFER_MS, resendFactor: MAX_RESEND_FACTOR };
      t = new Transfer(file.data, negotiated, rinfo, limits, (outcome: TransferOutcome) => {
        this.transfers.delete(t);
        file.release();
        this.unreserve(rinfo.address);
        if (outcome === 'completed') this.stats.completed++;
        else this.stats.aborted++;
        this.log(outcome === 'completed' || outcome === 'aborted' ? 'debug' : 'info', `tftp: ${filename} to ${rinfo.address}: ${outcome}`);
      });
    } catch (err) {
      file.release();
      throw err;
    }
    this.log('info', `tftp: sending ${filename} (${file.data.length} bytes) to ${rinfo.address}`);
    this.transfers.add(t);
    // From here the transfer's end releases the slot and the file, whether or not its socket binds.
    await t.start(this.bindAddress());
    return true;
  }

  private reserve(address: string): boolean {
    const mine = this.perClient.get(address) ?? 0;
    if (this.stats.active >= (this.opts.maxTransfers ?? MAX_TRANSFERS) || mine >= (this.opts.maxTransfersPerClient ?? MAX_TRANSFERS_PER_CLIENT)) return false;
    this.perClient.set(address, mine + 1);
    this.stats.active++;
    return true;
  }

  private unreserve(address: string): void {
    const mine = (this.perClient.get(address) ?? 1) - 1;
    if (mine > 0) this.perClient.set(address, mine);
    else this.perClient.delete(address);
    this.stats.active--;
  }
}
