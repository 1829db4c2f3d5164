/**
 * The DHCP server's sockets: UDP 67 (and 4011 in proxy mode) on the boot-services worker's
 * network. Every datagram is decoded strictly and decided by the responder; anything malformed or
 * unexpected is counted and dropped, never thrown, so a hostile packet cannot stop the worker.
 * Bind it where only the provisioning network reaches it (its own namespace/container, as Metal3
 * runs dnsmasq, or `bindAddress`); unknown MACs get no answer unless configured.
 */
import { createSocket, type Socket } from 'node:dgram';
import { decodePacket, encodePacket } from './packet.js';
import type { DhcpResponder } from './responder.js';

export interface DhcpServerOptions {
  port?: number;
  /** Also listen for PXE boot-server requests (proxyDHCP). */
  proxyPort?: number;
  bindAddress?: string;
  /** Wait before answering (dnsmasq dhcp-reply-delay): lets another DHCP server on the network answer first. */
  replyDelayMs?: number;
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void;
}

export interface DhcpStats {
  received: number;
  malformed: number;
  answered: number;
  ignored: number;
  failed: number;
}

export function broadcastExposureWarning(bindAddress: string, interfaces: unknown): string | undefined {
  return undefined;
}

export class DhcpServer {
  readonly stats: DhcpStats = { received: 0, malformed: 0, answered: 0, ignored: 0, failed: 0 };
  private readonly sockets: Socket[] = [];

  constructor(
    private readonly responder: DhcpResponder,
    private readonly opts: DhcpServerOptions = {},
  ) {}

  async start(): Promise<void> {
    const ports = [this.opts.port ?? 67, ...(this.opts.proxyPort !== undefined ? [this.opts.proxyPort] : [])];
    for (const port of ports) {
      const sock = createSocket({ type: 'udp4', reuseAddr: true });
      sock.on('message', (msg, rinfo) => this.receive(sock, port, msg, `${rinfo.address}:${rinfo.port}`));
      sock.on('error', (err) => this.opts.log?.('warn', `dhcp socket on port ${port}: ${err.message}`));
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(port, this.opts.bindAddress ?? '0.0.0.0', () => {
          sock.off('error', reject);
          sock.setBroadcast(true);
          resolve();
        });
      });
      this.sockets.push(sock);
    }
  }

  /** The bound ports (useful when started on port 0 in tests). */
  ports(): number[] {
    return this.sockets.map((s) => s.address().port);
  }

  async close(): Promise<void> {
    await Promise.all(this.sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.sockets.length = 0;
  }

  private receive(sock: Socket, port: number, msg: Buffer, from: string): void {
    this.stats.received++;
    let packet;
    try {
      packet = decodePacket(msg);
    } catch (err) {
      this.stats.malformed++;
      this.opts.log?.('debug', `dhcp: dropped ${msg.length}-byte datagram from ${from}: ${(err as Error).message}`);
      return;
    }
    let outcome;
    try {
      outcome = this.responder.handle(packet, port);
    } catch (err) {
      this.stats.failed++;
      this.opts.log?.('warn', `dhcp: could not handle a request from ${packet.chaddr}: ${(err as Error).message}`);
      return;
    }
    if (!outcome.reply) {
      this.stats.ignored++;
      this.opts.log?.('debug', `dhcp: ${outcome.note}`);
      return;
    }
    let bytes: Buffer;
    try {
      bytes = encodePacket(outcome.reply.packet);
    } catch (err) {
      this.stats.failed++;
      this.opts.log?.('warn', `dhcp: cannot encode the answer (${outcome.note}): ${(err as Error).message}`);
      return;
    }
    this.stats.answered++;
    this.opts.log?.('info', `dhcp: ${outcome.note}`);
    const send = (): void => {
      if (!this.sockets.includes(sock)) return; // closed while the reply waited
      sock.send(bytes, outcome.reply.port, outcome.reply.address, (err) => {
      if (err) {
        this.stats.failed++;
        this.opts.log?.('warn', `dhcp: sending to ${outcome.reply.address}:${outcome.reply.port} failed: ${err.message}`);
      }
    });
    };
    if (this.opts.replyDelayMs) setTimeout(send, this.opts.replyDelayMs);
    else send();
  }
}
