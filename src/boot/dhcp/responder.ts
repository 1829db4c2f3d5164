/**
 * The DHCP server's decisions, free of sockets so every rule is unit-tested: which requests get
 * an answer, with what address, options and boot file, and where the answer goes.
 *
 * Full mode (Metal3's dnsmasq): addresses from one range, only for the boot MACs of registered
 * hosts unless unknown MACs are allowed; OFFER/ACK/NAK per RFC 2131 — a REQUEST naming another
 * server is left alone (and our offer withdrawn), a REQUEST we cannot honour is NAKed, RELEASE,
 * DECLINE and INFORM are handled; relayed requests (giaddr) are answered to the relay.
 * Proxy mode (PXE spec "proxyDHCP", Tinkerbell/MAAS users with their own DHCP server): only PXE
 * and iPXE clients, no address, just the boot information, on port 67 and on 4011.
 */
import { BOOTREPLY, BOOTREQUEST, type DhcpPacket } from './packet.js';
import type { LeaseStore} from './leases.js';
import { ipToInt } from './leases.js';
import { MessageType, Opt, ipBytes, messageTypeName, readIp, text, u32 } from './options.js';
import { bootAnswer, classify, DEFAULT_BOOT_FILES, type BootFiles } from './pxe.js';

export interface DhcpConfig {
  mode: 'full' | 'proxy';
  /** Our address on the provisioning network: server identifier, siaddr (TFTP next-server). */
  serverIp: string;
  subnetMask: string;
  router?: string;
  dns?: string[];
  /** Full mode: the pool. */
  range?: [string, string];
  leaseSeconds: number;
  /** Answer MACs that belong to no registered host (full mode), e.g. for discovery. */
  allowUnknown: boolean;
  /** The iPXE script URL for a MAC. */
  ipxeScriptUrl: (mac: string) => string;
  /** Where UEFI HTTP-boot clients fetch firmware (http://host:port). */
  httpBase: string;
  bootFiles?: BootFiles;
}

/** Which MACs are hosts we provision (from the boot configuration the workflows write). */
export interface KnownHosts {
  has(mac: string): boolean;
}

export interface Reply {
  packet: DhcpPacket;
  address: string;
  port: number;
}

export type Outcome = { reply: Reply; note: string } | { reply?: undefined; note: string };

const ZERO = '0.0.0.0';
const BROADCAST = '255.255.255.255';

export class DhcpResponder {
  constructor(
    private readonly cfg: DhcpConfig,
    private readonly hosts: KnownHosts,
    private readonly leases?: LeaseStore,
  ) {
    if (cfg.mode === 'full' && !leases) throw new Error('full DHCP mode needs a lease store (an address range)');
  }

  /** Decides what to do with one request that arrived on `port` (67, or 4011 for proxyDHCP). */
  handle(req: DhcpPacket, port = 67): Outcome {
    if (req.op !== BOOTREQUEST) return { note: 'not a request' };
    if (req.htype !== 1 || req.hlen !== 6) return { note: `hardware type ${req.htype}/${req.hlen} is not Ethernet` };
    const type = messageTypeName(req.options.get(Opt.messageType)?.[0]);
    if (!type) return { note: 'no DHCP message type' };
    const mac = req.chaddr;
    return this.cfg.mode === 'proxy' ? this.proxy(req, type, mac, port) : this.full(req, type, mac);
  }

  private full(req: DhcpPacket, type: string, mac: string): Outcome {
    const leases = this.leases as LeaseStore;
    const known = this.hosts.has(mac);
    if (!known && !this.cfg.allowUnknown) return { note: `${type} from unknown MAC ${mac} ignored` };
    if (req.giaddr !== ZERO && !this.sameSubnet(req.giaddr)) return { note: `${type} relayed from ${req.giaddr}, outside our subnet` };
    const serverId = readIp(req.options.get(Opt.serverId));
    const keep = (m: string): boolean => this.hosts.has(m);
    switch (type) {
      case 'discover': {
        // Its own address first (sticky); else the one it asks for if free; else the lowest free one.
        const wanted = readIp(req.options.get(Opt.requestedIp));
        let chosen = leases.get(mac)?.ip;
        if (!chosen && wanted && leases.inRange(wanted) && !leases.isDeclined(wanted) && leases.holder(wanted, keep) === undefined) chosen = wanted;
        chosen ??= leases.addressFor(mac, keep);
        if (!chosen) return { note: `DISCOVER from ${mac}: no free address in the range` };
        leases.offer(mac, chosen);
        return this.answer(req, MessageType.offer, chosen, `OFFER ${chosen} to ${mac}`);
      }
      case 'request': {
        if (serverId && serverId !== this.cfg.serverIp) {
          // The client took another server's offer: withdraw ours.
          if (!leases.get(mac)?.bound) leases.forget(mac);
          return { note: `REQUEST from ${mac} for server ${serverId}: not us` };
        }
        const wanted = readIp(req.options.get(Opt.requestedIp)) ?? (req.ciaddr !== ZERO ? req.ciaddr : undefined);
        if (!wanted) return this.nak(req, 'no address requested');
        const lease = leases.get(mac);
        const holder = leases.holder(wanted, keep);
        if (!leases.inRange(wanted) || leases.isDeclined(wanted) || (holder !== undefined && holder !== mac) || (lease && lease.ip !== wanted)) {
          // INIT-REBOOT/RENEW for an address we cannot give (RFC 2131 4.3.2): NAK; other servers' clients never reach here.
          return this.nak(req, `${wanted} is not available to ${mac}`);
        }
        leases.bind(mac, wanted, this.cfg.leaseSeconds * 1000);
        return this.answer(req, MessageType.ack, wanted, `ACK ${wanted} to ${mac}`);
      }
      // RELEASE and DECLINE carry no proof of identity: act only on the sender's own lease (its
      // chaddr holds that address) and only when the message names us (RFC 2131 4.4.4, 4.4.6; dnsmasq
      // does the same), so another machine's messages cannot free or poison addresses.
      case 'release': {
        if (serverId !== this.cfg.serverIp) return { note: `RELEASE from ${mac} ignored: names server ${serverId ?? '(none)'}` };
        if (!leases.release(mac, req.ciaddr)) return { note: `RELEASE from ${mac} ignored: ${req.ciaddr} is not its lease` };
        return { note: `RELEASE from ${mac}: ${req.ciaddr} released` };
      }
      case 'decline': {
        const ip = readIp(req.options.get(Opt.requestedIp));
        if (serverId !== this.cfg.serverIp) return { note: `DECLINE from ${mac} ignored: names server ${serverId ?? '(none)'}` };
        if (!ip) return { note: `DECLINE from ${mac} ignored: no address` };
        switch (leases.decline(mac, ip)) {
          case 'not-own':
            return { note: `DECLINE from ${mac} ignored: ${ip} is not its lease` };
          case 'capped':
            return { note: `DECLINE from ${mac}: ${ip} dropped from its lease; decline limit reached, address not held` };
          default:
            return { note: `DECLINE from ${mac}: ${ip} set aside` };
        }
      }
      case 'inform':
        // The client has an address (ciaddr): options only, no lease (RFC 2131 3.4).
        return this.answer(req, MessageType.ack, ZERO, `ACK (INFORM) to ${mac}`);
      default:
        return { note: `${type} from ${mac} ignored` };
    }
  }

  private proxy(req: DhcpPacket, type: string, mac: string, port: number): Outcome {
    const kind = classify(req);
    if (!kind.pxe && !kind.ipxe && !kind.httpBoot) return { note: `${type} from ${mac}: not a network-boot client (proxy mode)` };
    if (!this.hosts.has(mac) && !this.cfg.allowUnknown) return { note: `${type} from unknown MAC ${mac} ignored` };
    // Port 67: answer DISCOVER with a proxy offer. Port 4011: the PXE client's boot-server REQUEST.
    if (port === 67 && type === 'discover') return this.answer(req, MessageType.offer, ZERO, `proxy OFFER to ${mac}`);
    if (port === 4011 && (type === 'request' || type === 'inform')) return this.answer(req, MessageType.ack, ZERO, `proxy ACK to ${mac}`, true);
    return { note: `${type} on port ${port} from ${mac}: left to the network's DHCP server` };
  }

  private nak(req: DhcpPacket, why: string): Outcome {
    const options = new Map<number, Buffer>([
      [Opt.messageType, Buffer.from([MessageType.nak])],
      [Opt.serverId, ipBytes(this.cfg.serverIp)],
      [Opt.message, text(why)],
    ]);
    // NAKs are broadcast unless relayed (RFC 2131 4.1).
    const to = req.giaddr !== ZERO ? { address: req.giaddr, port: 67 } : { address: BROADCAST, port: 68 };
    return { reply: { packet: this.base(req, ZERO, options), ...to }, note: `NAK to ${req.chaddr}: ${why}` };
  }

  private answer(req: DhcpPacket, msg: number, yiaddr: string, note: string, unicastToClient = false): Outcome {
    const options = new Map<number, Buffer>([[Opt.messageType, Buffer.from([msg])], [Opt.serverId, ipBytes(this.cfg.serverIp)]]);
    const full = this.cfg.mode === 'full';
    if (full) {
      if (yiaddr !== ZERO) {
        const lease = this.cfg.leaseSeconds;
        options.set(Opt.leaseTime, u32(lease));
        options.set(Opt.renewalTime, u32(Math.floor(lease / 2)));
        options.set(Opt.rebindingTime, u32(Math.floor((lease * 7) / 8)));
      }
      options.set(Opt.subnetMask, ipBytes(this.cfg.subnetMask));
      if (this.cfg.router) options.set(Opt.router, ipBytes(this.cfg.router));
      if (this.cfg.dns?.length) options.set(Opt.dns, ipBytes(...this.cfg.dns));
    }
    const kind = classify(req);
    const boot = bootAnswer(kind, { ipxeScript: this.cfg.ipxeScriptUrl(req.chaddr), httpBase: this.cfg.httpBase }, this.cfg.bootFiles ?? DEFAULT_BOOT_FILES);
    const packet = this.base(req, yiaddr, options);
    if (boot && (this.hosts.has(req.chaddr) || this.cfg.allowUnknown)) {
      packet.file = boot.file;
      options.set(Opt.bootFile, text(boot.file));
      if (boot.tftp) options.set(Opt.tftpServer, text(this.cfg.serverIp));
      if (kind.pxe || kind.httpBoot) {
        // PXE firmware only takes boot information from a reply that says PXEClient; option 43
        // sub-option 6 = 8: boot the file given, no PXE boot-server discovery (as dnsmasq).
        options.set(Opt.vendorClass, text(kind.httpBoot ? 'HTTPClient' : 'PXEClient'));
        options.set(Opt.vendorSpecific, Buffer.from([6, 1, 8, 255]));
      }
      const uuid = req.options.get(Opt.clientUuid);
      if (uuid && kind.pxe) options.set(Opt.clientUuid, uuid);
    }
    return { reply: { packet, ...this.destination(req, yiaddr, unicastToClient) }, note };
  }

  private base(req: DhcpPacket, yiaddr: string, options: Map<number, Buffer>): DhcpPacket {
    return {
      op: BOOTREPLY,
      htype: req.htype,
      hlen: req.hlen,
      hops: 0,
      xid: req.xid,
      secs: 0,
      flags: req.flags,
      ciaddr: req.ciaddr,
      yiaddr,
      siaddr: this.cfg.serverIp,
      giaddr: req.giaddr,
      chaddr: req.chaddr,
      sname: '',
      file: '',
      options,
    };
  }

  /** RFC 2131 4.1: to the relay; else to a configured client (ciaddr); else broadcast. */
  private destination(req: DhcpPacket, yiaddr: string, unicastToClient: boolean): { address: string; port: number } {
    if (req.giaddr !== ZERO) return { address: req.giaddr, port: 67 };
    if (req.ciaddr !== ZERO) return { address: req.ciaddr, port: 68 };
    if (unicastToClient && yiaddr !== ZERO) return { address: yiaddr, port: 68 };
    // Always the limited broadcast: clients without an address (and OVMF's PXE) ignore subnet broadcasts.
    return { address: BROADCAST, port: 68 };
  }

  /** A relay's giaddr must be on the pool's subnet (the relay sits on the clients' network). */
  private sameSubnet(ip: string): boolean {
    const mask = ipToInt(this.cfg.subnetMask);
    return (ipToInt(ip) & mask) >>> 0 === (ipToInt(this.cfg.range?.[0] ?? this.cfg.serverIp) & mask) >>> 0;
  }
}
