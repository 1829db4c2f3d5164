/**
 * Addresses handed out by the DHCP server: a pool (one range), leases kept across restarts in a
 * JSON file, a sticky address per MAC (a host keeps its address while it exists: its reservation),
 * declined addresses set aside. Allocation scans the pool in order, so a full pool is a plain
 * "no address" instead of the endless random search of npm `dhcp`.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
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
  /** Declined address → until when it is held out, and which client declined it. */
  private readonly declined = new Map<string, { until: number; by: string }>();
  private readonly maxDeclined: number;
  private readonly first: number;
  private readonly last: number;
  private readonly now: () => number;

  constructor(private readonly opts: LeaseStoreOptions) {
    this.first = ipToInt(opts.range[0]);
    this.last = ipToInt(opts.range[1]);
    if (!(this.first <= this.last)) throw new Error(`DHCP range ${opts.range.join(' - ')}: the first address must not be after the last`);
    this.now = opts.now ?? Date.now;
    this.maxDeclined = Math.max(1, Math.floor((this.last - this.first + 1) * MAX_DECLINED_SHARE));
    if (opts.file) this.load(opts.file);
  }

  /**
   * Reads the lease file defensively: a missing, damaged or oversized file means no leases (clients
   * simply renew), never a failed start; at most one lease per pool address is kept.
   */
  private load(file: string): void {
    if (!existsSync(file)) return;
    let entries: unknown;
    try {
      const size = statSync(file).size;
      if (size > LEASE_FILE_MAX_BYTES) {
        this.opts.log?.('warn', `dhcp: lease file ${file} is larger than ${LEASE_FILE_MAX_BYTES} bytes (${size}); starting without its leases`);
        return;
      }
      entries = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      this.opts.log?.('warn', `dhcp: lease file ${file} unreadable (${(err as Error).message}); starting without its leases`);
      return;
    }
    if (!Array.isArray(entries)) {
      this.opts.log?.('warn', `dhcp: lease file ${file} is not a list of leases; starting without its leases`);
      return;
    }
    const used = new Set<string>();
    for (const e of entries as unknown[]) {
      if (!isLease(e) || !this.inRange(e.ip) || used.has(e.ip) || this.leases.has(e.mac)) continue;
      used.add(e.ip);
      this.leases.set(e.mac, { mac: e.mac, ip: e.ip, expiresAt: e.expiresAt, bound: e.bound });
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
    this.pruneDeclined(now);
    for (const ip of this.declined.keys()) taken.add(ipToInt(ip));
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

  /**
   * RELEASE: the address is free again at once (the MAC keeps it as its preferred address). Only the
   * client's own lease: with `ip`, only when that is the address it holds.
   */
  release(mac: string, ip?: string): boolean {
    const l = this.leases.get(mac);
    if (!l || (ip !== undefined && l.ip !== ip)) return false;
    this.set({ ...l, bound: false, expiresAt: this.now() });
    return true;
  }

  /**
   * DECLINE (RFC 2131 4.3.3): the client found its address in use. Only for the client's own bound lease:
   * the lease goes, and the address is held out of the pool for the decline hold, within the caps
   * (per client and in total) so that declines cannot empty the pool.
   */
  decline(mac: string, ip: string): 'not-own' | 'held' | 'capped' {
    const own = this.leases.get(mac);
    // A client declines an address it was ACKed (RFC 2131 3.1.5), never a mere offer.
    if (!own?.bound || own.ip !== ip) return 'not-own';
    this.leases.delete(mac);
    this.persist();
    const now = this.now();
    this.pruneDeclined(now);
    let byClient = 0;
    for (const d of this.declined.values()) if (d.by === mac) byClient++;
    if (byClient >= MAX_DECLINES_PER_CLIENT || this.declined.size >= this.maxDeclined) return 'capped';
    this.declined.set(ip, { until: now + (this.opts.declineHoldMs ?? DECLINE_HOLD_MS), by: mac });
    return 'held';
  }

  /** Whether the address is held out of the pool after a DECLINE. */
  isDeclined(ip: string): boolean {
    this.pruneDeclined(this.now());
    return this.declined.has(ip);
  }

  forget(mac: string): void {
    if (this.leases.delete(mac)) this.persist();
  }

  /** Addresses held out of the pool after a DECLINE, now. */
  declinedAddresses(): string[] {
    this.pruneDeclined(this.now());
    return [...this.declined.keys()];
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

  private pruneDeclined(now: number): void {
    for (const [ip, d] of this.declined) if (d.until <= now) this.declined.delete(ip);
  }

  /**
   * Replaces the file atomically and durably: a temp file in the same directory, fsynced, renamed
   * over the file, then the directory fsynced, so a crash leaves the old or the new leases, never
   * a torn file. A failed write is logged, not thrown: the leases live on in memory.
   */
  private persist(): void {
    const file = this.opts.file;
    if (!file) return;
    const tmp = `${file}.tmp`;
    try {
      mkdirSync(dirname(file), { recursive: true });
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeFileSync(fd, JSON.stringify(this.all(), null, 1));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
      const dir = openSync(dirname(file), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch (err) {
      this.opts.log?.('warn', `dhcp: could not write the lease file ${file}: ${(err as Error).message}`);
    }
  }
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){0,15}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isLease(e: unknown): e is Lease {
  if (typeof e !== 'object' || e === null) return false;
  const l = e as Record<string, unknown>;
  return typeof l.mac === 'string' && MAC.test(l.mac) && typeof l.ip === 'string' && IPV4.test(l.ip) && l.ip.split('.').every((p) => Number(p) <= 255) && typeof l.expiresAt === 'number' && Number.isFinite(l.expiresAt) && typeof l.bound === 'boolean';
}
