/**
 * Addresses handed out by the DHCP server: a pool (one range), leases kept across restarts in a
 * JSON file, a sticky address per MAC (a host keeps its address while it exists: its reservation),
 * declined addresses set aside. Allocation scans the pool in order, so a full pool is a plain
 * "no address" instead of the endless random search of npm `dhcp`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Largest lease file read at start-up (a /16 pool of leases is ~6 MiB of JSON). */
export const LEASE_FILE_MAX_BYTES = 16 * 1024 * 1024;
/** How long a DECLINEd address stays out of the pool: dnsmasq's DECLINE_BACKOFF (600 s). */
export const DECLINE_HOLD_MS = 600_000;
/** Declined addresses one client can hold out of the pool at once (a client cannot cycle the pool). */
export const MAX_DECLINES_PER_CLIENT = 4;
/** At most this share of the pool (at least one address) is held out as declined. */
export const MAX_DECLINED_SHARE = 0.25;

export interface Lease {
  mac: string;
  ip: string;
  /** ms since epoch; an offer that was never requested expires quickly. */
  expiresAt: number;
  bound: boolean;
}

export const ipToInt = (ip: string): number => ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
export const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export interface LeaseStoreOptions {
  range: [string, string];
  /** Persist here (written atomically after every change). */
  file?: string;
  now?: () => number;
  /** How long an offer holds its address without a REQUEST. */
  offerHoldMs?: number;
  /** How long a declined address stays out of the pool (RFC 2131: the client saw it in use). */
  declineHoldMs?: number;
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void;
}

export class LeaseStore {
  private readonly leases = new Map<string, Lease>();
  private readonly declined = new Map<string, number>();
  private readonly first: number;
  private readonly last: number;
  private readonly now: () => number;

  constructor(private readonly opts: LeaseStoreOptions) {
    this.first = ipToInt(opts.range[0]);
    this.last = ipToInt(opts.range[1]);
    if (!(this.first <= this.last)) throw new Error(`DHCP range ${opts.range.join(' - ')}: the first address must not be after the last`);
    this.now = opts.now ?? Date.now;
    if (opts.file && existsSync(opts.file)) {
      try {
        for (const l of JSON.parse(readFileSync(opts.file, 'utf8')) as Lease[]) if (this.inRange(l.ip)) this.leases.set(l.mac, l);
      } catch {
        // A damaged lease file must not stop the boot services; clients simply renew.
      }
    }
  }

  inRange(ip: string): boolean {
    const n = ipToInt(ip);
    return n >= this.first && n <= this.last;
  }

  get(mac: string): Lease | undefined {
    return this.leases.get(mac);
  }

  /** The address this MAC would get: its own (sticky), else the lowest free one; undefined when the pool is full. */
  addressFor(mac: string, keep: (mac: string) => boolean = () => false): string | undefined {
    const own = this.leases.get(mac);
    if (own) return own.ip;
    const now = this.now();
    const taken = new Set<number>();
    for (const l of this.leases.values()) if (l.expiresAt > now || keep(l.mac)) taken.add(ipToInt(l.ip));
    for (const [ip, until] of this.declined) if (until > now) taken.add(ipToInt(ip));
    for (let n = this.first; n <= this.last; n++) if (!taken.has(n)) return intToIp(n);
    return undefined;
  }

  /** Another client's live lease (or kept reservation) on this address. */
  holder(ip: string, keep: (mac: string) => boolean = () => false): string | undefined {
    const now = this.now();
    for (const l of this.leases.values()) if (l.ip === ip && (l.expiresAt > now || keep(l.mac))) return l.mac;
    return undefined;
  }

  /** An offer is not written to the file: it lapses in a minute anyway, and DISCOVER storms stay off the disk. */
  offer(mac: string, ip: string): void {
    this.evictOthersOn(ip, mac);
    const existing = this.leases.get(mac);
    this.leases.set(mac, { mac, ip, bound: existing?.ip === ip && existing.bound, expiresAt: Math.max(existing?.ip === ip ? existing.expiresAt : 0, this.now() + (this.opts.offerHoldMs ?? 60_000)) });
  }

  bind(mac: string, ip: string, leaseMs: number): Lease {
    this.evictOthersOn(ip, mac);
    const lease = { mac, ip, bound: true, expiresAt: this.now() + leaseMs };
    this.set(lease);
    return lease;
  }

  /** RELEASE: the address is free again at once (the MAC keeps it as its preferred address). */
  release(mac: string): void {
    const l = this.leases.get(mac);
    if (l) this.set({ ...l, bound: false, expiresAt: this.now() });
  }

  /** DECLINE: the address is in use by someone else; keep it out of the pool for a while. */
  decline(mac: string, ip: string): void {
    this.declined.set(ip, this.now() + (this.opts.declineHoldMs ?? 10 * 60_000));
    if (this.leases.get(mac)?.ip === ip) {
      this.leases.delete(mac);
      this.persist();
    }
  }

  forget(mac: string): void {
    if (this.leases.delete(mac)) this.persist();
  }

  /** Addresses held out of the pool after a DECLINE, now. */
  declinedAddresses(): string[] {
    const now = this.now();
    return [...this.declined].filter(([, until]) => until > now).map(([ip]) => ip);
  }

  all(): Lease[] {
    return [...this.leases.values()];
  }

  private evictOthersOn(ip: string, mac: string): void {
    for (const l of [...this.leases.values()]) if (l.ip === ip && l.mac !== mac) this.leases.delete(l.mac);
  }

  private set(lease: Lease): void {
    this.leases.set(lease.mac, lease);
    this.persist();
  }

  private persist(): void {
    if (!this.opts.file) return;
    mkdirSync(dirname(this.opts.file), { recursive: true });
    const tmp = `${this.opts.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.all(), null, 1));
    renameSync(tmp, this.opts.file);
  }
}
