/**
 * The DHCP server's sockets: UDP 67 (and 4011 in proxy mode) on the boot-services worker's
 * network. Every datagram is handled in isolation: decoded strictly and decided by the responder;
 * anything malformed, unexpected or failing is counted and dropped, never thrown, so a hostile
 * packet cannot stop the worker. Ports are bound exclusively (no SO_REUSEADDR): a second server on
 * the same port is an AddressInUseError at start-up, not two servers answering.
 *
 * DHCP must see broadcasts, so in production it binds 0.0.0.0; Node cannot bind a socket to an
 * interface (SO_BINDTODEVICE), so keep it on the provisioning interface by running the worker in
 * its own network namespace (as the QEMU lab does) or by a host firewall rule (README). Unknown
 * MACs get no answer unless configured.
 */
import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { bindError } from '../../net/listen-error.js';
import { decodePacket, encodePacket } from './packet.js';
import type { DhcpResponder, Reply } from './responder.js';

export interface DhcpServerOptions {
  port?: number;
  /** Also listen for PXE boot-server requests (proxyDHCP). */
  proxyPort?: number;
  bindAddress?: string;
  /** Wait before answering (dnsmasq dhcp-reply-delay): lets another DHCP server on the network answer first. */
  replyDelayMs?: number;
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void;
  /** The namespace's interfaces (os.networkInterfaces), for the start-up exposure warning. */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

export interface DhcpStats {
  received: number;
  malformed: number;
  answered: number;
  ignored: number;
  failed: number;
}

/**
 * A wildcard-bound DHCP server answers broadcasts on every interface of its namespace: a warning
 * when that is more than one non-loopback interface (the worker is not confined to the
 * provisioning network).
 */
export function broadcastExposureWarning(bindAddress: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  if (bindAddress !== '0.0.0.0') return undefined;
  const external = Object.entries(interfaces)
    .filter(([, addrs]) => (addrs ?? []).some((a) => !a.internal))
    .map(([name]) => name)
    .sort();
  if (external.length <= 1) return undefined;
  return `dhcp: listening on 0.0.0.0 in a network namespace with ${external.length} interfaces (${external.join(', ')}): DHCP answers broadcasts on all of them; run the boot worker in a namespace holding only the provisioning interface, or firewall UDP 67/4011 to it`;
}

export class DhcpServer {
  readonly stats: DhcpStats = { received: 0, malformed: 0, answered: 0, ignored: 0, failed: 0 };
  private readonly sockets: Socket[] = [];
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(
    private readonly responder: DhcpResponder,
    private readonly opts: DhcpServerOptions = {},
  ) {}

  async start(): Promise<void> {
    const ports = [this.opts.port ?? 67, ...(this.opts.proxyPort !== undefined ? [this.opts.proxyPort] : [])];
    const address = this.opts.bindAddress ?? '0.0.0.0';
    try {
      for (const port of ports) {
        const sock = createSocket({ type: 'udp4' });
        sock.on('message', (msg, rinfo) => this.onMessage(sock, port, msg, `${rinfo.address}:${rinfo.port}`));
        sock.on('error', (err) => this.log('warn', `dhcp socket on port ${port}: ${err.message}`));
        await new Promise<void>((resolve, reject) => {
          sock.once('error', reject);
          sock.bind({ port, address, exclusive: true }, () => {
            sock.off('error', reject);
            sock.setBroadcast(true);
            resolve();
          });
        }).catch((err: unknown) => {
          sock.close();
          throw bindError(err, 'udp', address, port, 'DHCP server');
        });
        this.sockets.push(sock);
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    const warning = broadcastExposureWarning(address, (this.opts.interfaces ?? networkInterfaces)());
    if (warning) this.log('warn', warning);
  }

  /** The bound ports (useful when started on port 0 in tests). */
  ports(): number[] {
    return this.sockets.map((s) => s.address().port);
  }

  async close(): Promise<void> {
    this.pending.forEach((t) => clearTimeout(t));
    this.pending.clear();
    const sockets = this.sockets.splice(0);
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  /** The socket's message handler: synchronous, and nothing thrown below it leaves it. */
  private onMessage(sock: Socket, port: number, msg: Buffer, from: string): void {
    try {
      this.receive(sock, port, msg, from);
    } catch (err) {
      this.stats.failed++;
      this.log('warn', `dhcp: datagram from ${from} failed: ${(err as Error).message}`);
    }
  }

  private receive(sock: Socket, port: number, msg: Buffer, from: string): void {
    this.stats.received++;
    let packet;
    try {
      packet = decodePacket(msg);
    } catch (err) {
      this.stats.malformed++;
      this.log('debug', `dhcp: dropped ${msg.length}-byte datagram from ${from}: ${(err as Error).message}`);
      return;
    }
    const outcome = this.responder.handle(packet, port);
    if (!outcome.reply) {
      this.stats.ignored++;
      this.log('debug', `dhcp: ${outcome.note}`);
      return;
    }
    const reply = outcome.reply;
    const bytes = encodePacket(reply.packet);
    this.stats.answered++;
    this.log('info', `dhcp: ${outcome.note}`);
    if (!this.opts.replyDelayMs) return this.send(sock, reply, bytes);
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.send(sock, reply, bytes);
    }, this.opts.replyDelayMs);
    this.pending.add(timer);
  }

  private send(sock: Socket, reply: Reply, bytes: Buffer): void {
    if (!this.sockets.includes(sock)) return; // closed while the reply waited
    const failed = (err: Error): void => {
      this.stats.failed++;
      this.log('warn', `dhcp: sending to ${reply.address}:${reply.port} failed: ${err.message}`);
    };
    try {
      sock.send(bytes, reply.port, reply.address, (err) => err && failed(err));
    } catch (err) {
      failed(err as Error);
    }
  }

  /** A log sink that throws must not turn a datagram into a crash. */
  private log(level: 'debug' | 'info' | 'warn', message: string): void {
    try {
      this.opts.log?.(level, message);
    } catch {
      // nothing more to do: the datagram is already counted
    }
  }
}
