/**
 * Metal3's preprovisioning network data (nmstate YAML, the `<host>-network` Secret) as
 * systemd-networkd .network files for the agent ramdisk, which runs networkd with a catch-all
 * 80-dhcp.network: ours are named 10-metalflow-*.network so they win for the links they match.
 * Only the subset networkd can express for a plain NIC is taken: ethernet interfaces (matched by
 * MAC, else by name), static or DHCP IPv4/IPv6, DNS servers and search domains, routes. Anything
 * else (bonds, VLANs, unknown keys) is a NetworkDataError naming the field: silently dropping part
 * of a host's network would leave it unreachable with no clue why. The input is hostile YAML:
 * size, aliases and list lengths are capped and every value is checked before it reaches a file.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { parseDocument } from 'yaml';
import { NetworkDataError } from '../../errors.js';

/** Bytes of network data accepted (the seed's example is under 1 KiB). */
export const MAX_NETWORK_DATA_BYTES = 64 * 1024;
export const MAX_NMSTATE_INTERFACES = 16;
/** Addresses per interface and family. */
export const MAX_NMSTATE_ADDRESSES = 16;
export const MAX_NMSTATE_ROUTES = 64;
/** DNS servers and search domains, each. */
export const MAX_NMSTATE_DNS_ENTRIES = 8;
/** YAML alias uses (the yaml package's maxAliasCount: fewer pass): nmstate needs none; a few are tolerated, an alias bomb is not. */
export const MAX_NMSTATE_YAML_ALIASES = 16;

export interface NetworkdFile {
  /** File name under /etc/systemd/network. */
  name: string;
  content: string;
}

type Obj = Record<string, unknown>;

const fail = (path: string, reason: string): never => {
  throw new NetworkDataError(`preprovisioningNetworkData: ${path}: ${reason}`, { path });
};

export function networkdFromNmstate(text: string): NetworkdFile[] {
  if (Buffer.byteLength(text) > MAX_NETWORK_DATA_BYTES) fail('(input)', `more than ${MAX_NETWORK_DATA_BYTES} bytes`);
  let root: unknown;
  try {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message ?? 'invalid YAML');
    root = doc.toJS({ maxAliasCount: MAX_NMSTATE_YAML_ALIASES });
  } catch (err) {
    fail('(yaml)', (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 200) ?? 'invalid YAML');
  }
  const top = mapping(root, '(top)', ['interfaces', 'dns-resolver', 'routes']);
  const ifaces = list(top.interfaces, 'interfaces', MAX_NMSTATE_INTERFACES).map((v, i) => iface(v, `interfaces[${i}]`));
  if (ifaces.length === 0) fail('interfaces', 'no interface');
  const names = new Set<string>();
  ifaces.forEach((f, i) => {
    if (names.has(f.name)) fail(`interfaces[${i}].name`, `"${f.name}" given twice`);
    names.add(f.name);
  });
  const dns = dnsOf(top['dns-resolver']);
  const routes = routesOf(top.routes, ifaces);
  return ifaces.map((f, i) => ({ name: `10-metalflow-${i}-${f.name}.network`, content: render(f, i, dns, routes.filter((r) => r.iface === f.name)) }));
}

interface Iface {
  name: string;
  state: 'up' | 'down';
  mac?: string;
  mtu?: number;
  v4: Family;
  v6: Family & { autoconf: boolean };
}
interface Family {
  enabled: boolean;
  dhcp: boolean;
  addresses: string[];
}
interface Route {
  iface: string;
  destination: string;
  gateway?: string;
  metric?: number;
}

function iface(v: unknown, path: string): Iface {
  const o = mapping(v, path);
  // The type first: a bond's or VLAN's own keys are not the reason it is refused.
  const type = o.type === undefined ? 'ethernet' : str(o.type, `${path}.type`);
  if (type !== 'ethernet') fail(`${path}.type`, `${JSON.stringify(type.slice(0, 40))} is not supported by the agent ramdisk network setup (ethernet only)`);
  onlyKeys(o, path, ['name', 'type', 'state', 'mac-address', 'mtu', 'description', 'ipv4', 'ipv6']);
  const name = str(o.name, `${path}.name`);
  // IFNAMSIZ; no character that could end a line or a key in the .network file.
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(name)) fail(`${path}.name`, 'not an interface name');
  const state = o.state === undefined ? 'up' : str(o.state, `${path}.state`);
  if (state !== 'up' && state !== 'down') fail(`${path}.state`, `${JSON.stringify(state.slice(0, 40))} is not supported (up or down)`);
  let mac: string | undefined;
  if (o['mac-address'] !== undefined) {
    mac = str(o['mac-address'], `${path}.mac-address`).toLowerCase();
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) fail(`${path}.mac-address`, 'not a MAC address');
  }
  let mtu: number | undefined;
  if (o.mtu !== undefined) mtu = int(o.mtu, `${path}.mtu`, 68, 65535);
  return {
    name,
    state: state as 'up' | 'down',
    ...(mac ? { mac } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
    v4: family(o.ipv4, `${path}.ipv4`, 4),
    v6: family(o.ipv6, `${path}.ipv6`, 6) as Family & { autoconf: boolean },
  };
}

function family(v: unknown, path: string, version: 4 | 6): Family & { autoconf: boolean } {
  if (v === undefined) return { enabled: false, dhcp: false, addresses: [], autoconf: false };
  const o = mapping(v, path, version === 4 ? ['enabled', 'dhcp', 'address'] : ['enabled', 'dhcp', 'autoconf', 'address']);
  const enabled = o.enabled === undefined ? true : bool(o.enabled, `${path}.enabled`);
  const dhcp = o.dhcp === undefined ? false : bool(o.dhcp, `${path}.dhcp`);
  const autoconf = o.autoconf === undefined ? false : bool(o.autoconf, `${path}.autoconf`);
  const addresses = list(o.address, `${path}.address`, MAX_NMSTATE_ADDRESSES).map((a, i) => {
    const p = `${path}.address[${i}]`;
    const ao = mapping(a, p, ['ip', 'prefix-length']);
    const ip = str(ao.ip, `${p}.ip`);
    if (!(version === 4 ? isIPv4(ip) : isIPv6(ip))) fail(`${p}.ip`, `not an IPv${version} address`);
    const max = version === 4 ? 32 : 128;
    if (typeof ao['prefix-length'] !== 'number' || !Number.isInteger(ao['prefix-length']) || ao['prefix-length'] < 0 || ao['prefix-length'] > max) fail(`${p}.prefix-length`, `not an integer from 0 to ${max}`);
    return `${ip}/${String(ao['prefix-length'])}`;
  });
  if (!enabled && (dhcp || autoconf || addresses.length > 0)) fail(path, 'addresses or DHCP on a disabled family');
  return { enabled, dhcp, addresses, autoconf };
}

function dnsOf(v: unknown): { servers: string[]; search: string[] } {
  if (v === undefined) return { servers: [], search: [] };
  const config = mapping(mapping(v, 'dns-resolver', ['config']).config ?? {}, 'dns-resolver.config', ['server', 'search']);
  const servers = list(config.server, 'dns-resolver.config.server', MAX_NMSTATE_DNS_ENTRIES).map((s, i) => {
    const ip = str(s, `dns-resolver.config.server[${i}]`);
    if (!isIPv4(ip) && !isIPv6(ip)) fail(`dns-resolver.config.server[${i}]`, 'not an IP address');
    return ip;
  });
  const search = list(config.search, 'dns-resolver.config.search', MAX_NMSTATE_DNS_ENTRIES).map((s, i) => {
    const d = str(s, `dns-resolver.config.search[${i}]`);
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(d)) fail(`dns-resolver.config.search[${i}]`, 'not a domain name');
    return d;
  });
  return { servers, search };
}

function routesOf(v: unknown, ifaces: Iface[]): Route[] {
  if (v === undefined) return [];
  const config = mapping(v, 'routes', ['config']).config;
  return list(config, 'routes.config', MAX_NMSTATE_ROUTES).map((r, i) => {
    const p = `routes.config[${i}]`;
    const o = mapping(r, p, ['destination', 'next-hop-address', 'next-hop-interface', 'metric']);
    const destination = str(o.destination, `${p}.destination`);
    const m = /^([^/]+)\/(\d{1,3})$/.exec(destination);
    const v6 = m ? isIPv6(m[1] ?? '') : false;
    if (!m || !(isIPv4(m[1] ?? '') || v6) || Number(m[2]) > (v6 ? 128 : 32)) fail(`${p}.destination`, 'not an address/prefix');
    let gateway: string | undefined;
    if (o['next-hop-address'] !== undefined) {
      gateway = str(o['next-hop-address'], `${p}.next-hop-address`);
      if (!(v6 ? isIPv6(gateway) : isIPv4(gateway))) fail(`${p}.next-hop-address`, `not an IPv${v6 ? 6 : 4} address`);
    }
    let name: string;
    if (o['next-hop-interface'] === undefined) {
      if (ifaces.length !== 1) fail(`${p}.next-hop-interface`, 'required with more than one interface');
      name = ifaces[0]?.name ?? '';
    } else {
      name = str(o['next-hop-interface'], `${p}.next-hop-interface`);
      if (!ifaces.some((f) => f.name === name)) fail(`${p}.next-hop-interface`, `no interface ${JSON.stringify(name.slice(0, 40))} in interfaces`);
    }
    const metric = o.metric === undefined ? undefined : int(o.metric, `${p}.metric`, 0, 4294967295);
    return { iface: name, destination, ...(gateway ? { gateway } : {}), ...(metric !== undefined ? { metric } : {}) };
  });
}

function render(f: Iface, index: number, dns: { servers: string[]; search: string[] }, routes: Route[]): string {
  const dhcp = f.v4.dhcp && f.v6.dhcp ? 'yes' : f.v4.dhcp ? 'ipv4' : f.v6.dhcp ? 'ipv6' : 'no';
  const lines = [`# metalflow: preprovisioningNetworkData interfaces[${index}] (${f.name})`, '[Match]', f.mac ? `MACAddress=${f.mac}` : `Name=${f.name}`, ''];
  if (f.state === 'down' || f.mtu !== undefined) lines.push('[Link]', ...(f.mtu !== undefined ? [`MTUBytes=${f.mtu}`] : []), ...(f.state === 'down' ? ['ActivationPolicy=down'] : []), '');
  lines.push('[Network]', `DHCP=${dhcp}`, `LinkLocalAddressing=${f.v6.enabled ? 'ipv6' : 'no'}`, `IPv6AcceptRA=${f.v6.autoconf ? 'yes' : 'no'}`);
  if (f.state === 'up') {
    for (const a of [...f.v4.addresses, ...f.v6.addresses]) lines.push(`Address=${a}`);
    for (const s of dns.servers) lines.push(`DNS=${s}`);
    if (dns.search.length > 0) lines.push(`Domains=${dns.search.join(' ')}`);
    for (const r of routes) lines.push('', '[Route]', `Destination=${r.destination}`, ...(r.gateway ? [`Gateway=${r.gateway}`] : []), ...(r.metric !== undefined ? [`Metric=${r.metric}`] : []));
  }
  return `${lines.join('\n')}\n`;
}

function mapping(v: unknown, path: string, keys?: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, 'not a mapping');
  if (keys) onlyKeys(v as Obj, path, keys);
  return v as Obj;
}

function onlyKeys(o: Obj, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(path === '(top)' ? k.slice(0, 60) : `${path}.${k.slice(0, 60)}`, `unknown key (the agent ramdisk network setup takes ${keys.join(', ')})`);
}

function list(v: unknown, path: string, max: number): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return fail(path, 'not a list');
  if (v.length > max) fail(path, `more than ${max} entries`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') return fail(path, 'not a string');
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') return fail(path, 'not true or false');
  return v;
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return fail(path, `not an integer from ${min} to ${max}`);
  return v;
}
