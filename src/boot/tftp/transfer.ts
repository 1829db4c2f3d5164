/**
 * One read transfer on its own socket (its TID), sending blocks of a shared, read-only buffer.
 * What a peer can draw from it is bounded: an ACK that acknowledges nothing new (a duplicate or
 * stale one) draws nothing — lost blocks are resent on the server's timeout (RFC 1123's
 * Sorcerer's Apprentice rule); an ACK that moves the window on draws at most one window (RFC 7440:
 * after a gap the window restarts behind the acknowledged block); resends in all are capped; and
 * the transfer ends after `retries` timeouts without progress or `maxTransferMs` in all.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Negotiated } from './negotiate.js';
import { TftpError, decode, encodeData, encodeError, encodeOack } from './packets.js';

export type TransferOutcome = 'completed' | 'aborted' | 'timed out' | 'too many resends' | 'too long';

export interface TransferLimits {
  retries: number;
  maxTransferMs: number;
  /** Resent blocks allowed, as a multiple of the file's blocks (plus a window per retry). */
  resendFactor: number;
}

export class Transfer {
  private sock: Socket | undefined;
  private readonly total: number;
  /** Highest block (absolute, not wrapped) the client acknowledged; 0 = none (or the OACK). */
  private acked = 0;
  /** Highest block sent so far. */
  private sentUpTo = 0;
  private oackAcked: boolean;
  private retries = 0;
  private resent = 0;
  private readonly resendBudget: number;
  private timer: NodeJS.Timeout | undefined;
  private lifetime: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private readonly data: Buffer,
    private readonly opts: Negotiated,
    private readonly peer: RemoteInfo,
    private readonly limits: TransferLimits,
    private readonly onEnd: (outcome: TransferOutcome) => void,
  ) {
    this.total = Math.floor(data.length / opts.blksize) + 1; // the last block is short (maybe empty)
    this.oackAcked = opts.oack.size === 0;
    this.resendBudget = limits.resendFactor * this.total + (limits.retries + 1) * opts.windowsize;
  }

  /** Binds the transfer's socket and sends the OACK or the first window; false if it could not. */
  async start(bindAddress: string): Promise<boolean> {
    // Port 0 cannot be answered (connect() would throw): the server drops such requests, and
    // the transfer refuses one too rather than rely on it.
    if (this.peer.port === 0) {
      this.end('aborted');
      return false;
    }
    const sock = createSocket('udp4');
    this.sock = sock;
    sock.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    const bound = await new Promise<boolean>((res) => {
      sock.once('error', () => res(false));
      sock.once('close', () => res(false)); // ended (server closing) before it was bound
      // Connected to the client, as tftpd-hpa's transfer sockets: the kernel drops datagrams from
      // anyone else (they never wake us), and each send skips node's per-datagram address lookup.
      // A failed connect (node passes its error, its types omit it) would leave every send failing.
      sock.bind(0, bindAddress, () => sock.connect(this.peer.port, this.peer.address, (err?: Error) => res(!err)));
    });
    if (!bound) {
      this.end('aborted');
      return false;
    }
    sock.on('error', () => this.end('aborted'));
    this.lifetime = setTimeout(() => this.fail('too long', 'Transfer time limit exceeded'), this.limits.maxTransferMs);
    if (this.oackAcked) this.sendBlocks(1, Math.min(this.opts.windowsize, this.total));
    else this.send(encodeOack(this.opts.oack));
    this.arm();
    return true;
  }

  /** Ends the transfer; a `farewell` (an ERROR telling the client why) is sent before the socket closes. */
  end(outcome: TransferOutcome = 'aborted', farewell?: Buffer): void {
    if (this.done) return;
    clearTimeout(this.timer);
    clearTimeout(this.lifetime);
    const sock = this.sock;
    const close = (): void => {
      try {
        sock?.close();
      } catch {
        // never bound, or already closed
      }
    };
    // Node sends a datagram a tick later: closing at once would drop the farewell.
    if (farewell) this.send(farewell, close);
    else close();
    this.done = true;
    this.onEnd(outcome);
  }

  private fail(outcome: TransferOutcome, message: string): void {
    this.end(outcome, encodeError(TftpError.notDefined, message));
  }

  private send(b: Buffer, then?: () => void): void {
    if (this.done || !this.sock) return then?.();
    try {
      this.sock.send(b, then ? () => then() : undefined); // a failed send is a lost datagram
    } catch {
      then?.(); // socket closing: nothing more to send
    }
  }

  /** Sends blocks `from`..`to`, counting those sent before against the resend budget. */
  private sendBlocks(from: number, to: number): void {
    const again = Math.max(0, Math.min(to, this.sentUpTo) - from + 1);
    this.resent += again;
    if (again > 0 && this.resent > this.resendBudget) return this.fail('too many resends', 'Too many retransmissions');
    for (let n = from; n <= to; n++) this.send(encodeData(n & 0xffff, this.data.subarray((n - 1) * this.opts.blksize, n * this.opts.blksize)));
    this.sentUpTo = Math.max(this.sentUpTo, to);
  }

  private arm(): void {
    if (this.done) return;
    // One timer per transfer, restarted on progress (refresh), not a new one per block.
    if (this.timer) return void this.timer.refresh();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.done) return;
      if (++this.retries > this.limits.retries) return this.end('timed out');
      // Resend what is unacknowledged: the OACK, or the window in flight.
      if (!this.oackAcked) this.send(encodeOack(this.opts.oack));
      else this.sendBlocks(this.acked + 1, Math.min(this.acked + this.opts.windowsize, this.total));
      this.arm();
    }, this.opts.timeoutMs);
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.done) return;
    if (rinfo.port !== this.peer.port || rinfo.address !== this.peer.address) return; // the socket is connected: not expected
    let pkt;
    try {
      pkt = decode(msg);
    } catch {
      return; // a malformed datagram from the peer: ignored, the timeout recovers
    }
    if (pkt.op === 'error') return this.end('aborted'); // e.g. a PXE ROM after reading tsize
    if (pkt.op !== 'ack') return;
    if (!this.oackAcked) {
      if (pkt.block !== 0) return;
      this.oackAcked = true;
      this.retries = 0;
      this.sendBlocks(1, Math.min(this.opts.windowsize, this.total));
      return this.arm();
    }
    // The 16-bit block number, unwrapped into the blocks in flight (rollover after 65535).
    const n = this.acked + ((pkt.block - this.acked) & 0xffff);
    if (n <= this.acked || n > this.sentUpTo) return; // duplicate or stale: nothing new to send
    this.acked = n;
    this.retries = 0;
    if (this.acked >= this.total) return this.end('completed');
    this.sendBlocks(this.acked + 1, Math.min(this.acked + this.opts.windowsize, this.total));
    this.arm();
  }
}
