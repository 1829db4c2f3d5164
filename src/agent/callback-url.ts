/**
 * The agent's heartbeat `callback_url` is where the boot worker later sends commands, image info
 * and the config drive (with userData). Ironic only checks the scheme; we also require that it
 * points back at the address the heartbeat came from, so a token alone cannot redirect a deploy
 * elsewhere. Behind a reverse proxy (trusted CIDRs), the address the proxy saw is taken from the
 * X-Forwarded-For entries it appended.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export class CallbackUrlError extends Error {
  constructor(reason: string) {
    super(`An issue with the supplied "callback_url" has been detected: ${reason}`);
    this.name = 'CallbackUrlError';
  }
}

/** An IP literal in one canonical form: IPv4 dotted (IPv4-mapped IPv6 included), IPv6 compressed lower case. */
export function canonicalIp(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const s = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (isIPv4(s)) return s;
  if (!isIPv6(s) || s.includes('%')) return undefined; // zone ids cannot be compared across hosts
  const v6 = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!mapped) return v6;
  const hi = parseInt(mapped[1] ?? '0', 16);
  const lo = parseInt(mapped[2] ?? '0', 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Trusted reverse proxies as CIDRs (`10.0.0.0/24`, `fd00::/64`, or a bare address). */
export function trustedProxyList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr = '', bits] = c.split('/');
    const ip = canonicalIp(addr);
    if (!ip || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new Error(`not an address or CIDR: ${c}`);
    const type = isIPv4(ip) ? 'ipv4' : 'ipv6';
    const prefix = bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits);
    if (prefix > (type === 'ipv4' ? 32 : 128)) throw new Error(`prefix too long: ${c}`);
    list.addSubnet(ip, prefix, type);
  }
  return list;
}

const inList = (list: BlockList, ip: string): boolean => list.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');

/**
 * The agent's address: the socket peer, or, when the peer is a trusted proxy, the rightmost
 * X-Forwarded-For entry that is not itself a trusted proxy (entries further left are client-supplied).
 */
export function agentSourceAddress(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted?: BlockList): string | undefined {
  let peer = canonicalIp(remoteAddress);
  if (!peer || !trusted || !inList(trusted, peer)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    peer = canonicalIp(hops[i]);
    if (!peer) return undefined;
    if (!inList(trusted, peer)) return peer;
  }
  return undefined; // only proxies: the agent's own address is unknown
}

/**
 * Checks a heartbeat's callback URL: http(s), no credentials, query or fragment, a port in
 * 1-65535, and a host that is the IP literal `source` (the heartbeat's own address).
 * Returns the URL as the agent gave it (the client appends /v1/commands/ to it).
 */
export function checkCallbackUrl(raw: unknown, source: string | undefined): string {
  if (typeof raw !== 'string' || raw.length > 2048) throw new CallbackUrlError('not a string URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackUrlError('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CallbackUrlError('must be http or https');
  if (url.username !== '' || url.password !== '') throw new CallbackUrlError('must not carry credentials');
  if (url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#')) throw new CallbackUrlError('must not have a query or fragment');
  if (url.port === '0') throw new CallbackUrlError('port must be 1-65535');
  const host = canonicalIp(url.hostname);
  if (!host) throw new CallbackUrlError('host must be an IP address');
  if (host !== source) throw new CallbackUrlError('host must be the address the heartbeat came from');
  return raw;
}
