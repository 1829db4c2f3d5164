/**
 * A private Ethernet segment for tests and the QEMU lab: a bridge in its own namespace and member
 * namespaces each joined to it by a veth pair (the member's end is `eth0`). Only `hostLink()` adds
 * an interface (a veth of its own) to this machine's namespace; `remove()` deletes every namespace
 * (and so every link) it created.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface LanMember {
  ns: string;
  ip?: string;
  mac: string;
  /** argv prefix running a command inside the member's namespace. */
  exec: string[];
}

const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export class LabNetwork {
  readonly id = randomBytes(2).toString('hex');
  readonly lanNs = `mfl-${this.id}`;
  /** 10.x.y.0/24, random so concurrent runs do not meet. */
  readonly prefix: string;
  private readonly namespaces: string[] = [];
  private readonly members = new Map<string, LanMember>();
  private links = 0;
  private readonly hostLinks: string[] = [];

  constructor() {
    const [a = 0, b = 0] = randomBytes(2);
    this.prefix = `10.${100 + (a % 100)}.${b}`;
    this.addNs(this.lanNs);
    ip('-n', this.lanNs, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.lanNs, 'link', 'set', 'br0', 'up');
  }

  /** A namespace on this segment; `host` is the last octet of its address (none: no address). */
  member(name: string, opts: { host?: number; mac?: string; ifname?: string } = {}): LanMember {
    const existing = this.members.get(name);
    const ns = existing?.ns ?? `mf-${this.id}-${name}`;
    if (!existing) this.addNs(ns);
    const ifname = opts.ifname ?? 'eth0';
    const peer = `v${this.id}${++this.links}`;
    ip('-n', this.lanNs, 'link', 'add', peer, 'type', 'veth', 'peer', 'name', ifname, 'netns', ns);
    ip('-n', this.lanNs, 'link', 'set', peer, 'master', 'br0');
    ip('-n', this.lanNs, 'link', 'set', peer, 'up');
    const mac = opts.mac ?? `52:54:00:${randomBytes(3).toString('hex').match(/../g)?.join(':')}`;
    ip('-n', ns, 'link', 'set', ifname, 'address', mac);
    ip('-n', ns, 'link', 'set', ifname, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    const addr = opts.host !== undefined ? `${this.prefix}.${opts.host}` : undefined;
    if (addr) ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', ifname);
    // No default route in a test namespace: replies to 255.255.255.255 need this one.
    if (!existing) ip('-n', ns, 'route', 'add', '255.255.255.255/32', 'dev', ifname);
    const m: LanMember = { ns, mac, exec: ['ip', 'netns', 'exec', ns], ...(addr ? { ip: addr } : {}) };
    this.members.set(name, m);
    return m;
  }

  /** Joins an existing member to another segment (a router/relay between two LANs). */
  join(other: LabNetwork, name: string, opts: { host: number; ifname: string }): void {
    const m = this.members.get(name);
    if (!m) throw new Error(`no member ${name}`);
    const peer = `v${other.id}${++other.links}`;
    ip('-n', other.lanNs, 'link', 'add', peer, 'type', 'veth', 'peer', 'name', opts.ifname, 'netns', m.ns);
    ip('-n', other.lanNs, 'link', 'set', peer, 'master', 'br0');
    ip('-n', other.lanNs, 'link', 'set', peer, 'up');
    ip('-n', m.ns, 'link', 'set', opts.ifname, 'up');
    ip('-n', m.ns, 'addr', 'add', `${other.prefix}.${opts.host}/24`, 'dev', opts.ifname);
  }

  /**
   * Joins this machine's own namespace to the segment (veth `mfr<id>`, address `<prefix>.<host>`),
   * for test processes that must meet members directly. Deleting the bridge's namespace removes it.
   */
  hostLink(host: number): string {
    const name = `mfr${this.id}`;
    const peer = `v${this.id}${++this.links}`;
    ip('link', 'add', name, 'type', 'veth', 'peer', 'name', peer, 'netns', this.lanNs);
    ip('-n', this.lanNs, 'link', 'set', peer, 'master', 'br0');
    ip('-n', this.lanNs, 'link', 'set', peer, 'up');
    const addr = `${this.prefix}.${host}`;
    ip('addr', 'add', `${addr}/24`, 'dev', name);
    ip('link', 'set', name, 'up');
    this.hostLinks.push(name);
    return addr;
  }

  /** A tap device on the bridge, for a QEMU machine run in the bridge's namespace (`lanExec`). */
  tap(): string {
    const name = `t${this.id}${++this.links}`;
    ip('-n', this.lanNs, 'tuntap', 'add', name, 'mode', 'tap');
    ip('-n', this.lanNs, 'link', 'set', name, 'master', 'br0');
    ip('-n', this.lanNs, 'link', 'set', name, 'up');
    return name;
  }

  get lanExec(): string[] {
    return ['ip', 'netns', 'exec', this.lanNs];
  }

  remove(): void {
    for (const link of this.hostLinks.splice(0)) {
      try {
        ip('link', 'del', link);
      } catch {
        // gone with the bridge's namespace
      }
    }
    for (const ns of this.namespaces.reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    this.namespaces.length = 0;
  }

  private addNs(ns: string): void {
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
  }
}
