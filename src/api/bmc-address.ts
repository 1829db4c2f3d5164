/**
 * BMC address parsing, as BMO's pkg/hardwareutils/bmc does: the URL scheme selects the driver.
 * Pure (no Node built-ins): used by manifest validation, the workflow's update validator and drivers.
 */

export const DriverKind = { Fake: 'fake', Ipmi: 'ipmi', Redfish: 'redfish', Libvirt: 'libvirt' } as const;
export type DriverKind = (typeof DriverKind)[keyof typeof DriverKind];

export interface BmcAddress {
  driver: DriverKind;
  /** Scheme as written, e.g. `redfish-virtualmedia+https`. */
  scheme: string;
  /** Boot method family: PXE/iPXE over a provisioning network, or virtual media / UEFI HTTP. */
  bootMethod: 'pxe' | 'virtualmedia' | 'uefihttp' | 'none';
  vendor?: 'idrac';
  /** http or https for Redfish; empty otherwise. */
  transport: '' | 'http' | 'https';
  host: string;
  port?: number;
  path: string;
  query: Record<string, string>;
}

const REDFISH_SCHEMES: Record<string, Pick<BmcAddress, 'bootMethod' | 'vendor'>> = {
  redfish: { bootMethod: 'pxe' },
  'redfish-virtualmedia': { bootMethod: 'virtualmedia' },
  'redfish-uefihttp': { bootMethod: 'uefihttp' },
  'idrac-redfish': { bootMethod: 'pxe', vendor: 'idrac' },
  'idrac-virtualmedia': { bootMethod: 'virtualmedia', vendor: 'idrac' },
  'ilo5-redfish': { bootMethod: 'pxe' },
  'ilo5-virtualmedia': { bootMethod: 'virtualmedia' },
};

/** Address schemes whose BMC inserts an ISO as a virtual CD (from the table above). */
export const VIRTUAL_MEDIA_SCHEMES: readonly string[] = Object.keys(REDFISH_SCHEMES).filter((s) => REDFISH_SCHEMES[s]?.bootMethod === 'virtualmedia');

const REMOVED_SCHEMES: Record<string, string> = {
  idrac: 'idrac:// (WSMAN) was removed from Metal3; use idrac-redfish:// or idrac-virtualmedia://',
  ibmc: 'ibmc:// was removed from Metal3',
  ilo4: 'ilo4:// was removed from Metal3; use ipmi://',
  'ilo4-virtualmedia': 'ilo4-virtualmedia:// was removed from Metal3; use ipmi://',
  ilo5: 'ilo5:// was removed from Metal3; use redfish://',
  irmc: 'irmc:// was removed from Metal3; use redfish:// or ipmi://',
};

export class BmcAddressError extends Error {}

/** BMO's `bmcAccess.Type()`, as its webhook messages name the driver: the scheme without `+transport`. */
export function driverType(bmc: Pick<BmcAddress, 'scheme'>): string {
  return bmc.scheme.split('+')[0] ?? bmc.scheme;
}

const URL_RE = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#]*)(?::(\d+))?([^?#]*)(?:\?([^#]*))?$/;
const HOST_PORT_RE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?$/;

export function parseBmcAddress(address: string): BmcAddress {
  const trimmed = address.trim();
  if (trimmed === '') throw new BmcAddressError('must not be empty');
  const m = URL_RE.exec(trimmed);
  if (!m) {
    // BMO: a bare "host" or "host:port" means IPMI.
    const hp = HOST_PORT_RE.exec(trimmed);
    if (!hp) throw new BmcAddressError(`"${address}" is neither a URL nor host[:port]`);
    return { driver: 'ipmi', scheme: 'ipmi', bootMethod: 'pxe', transport: '', host: stripBrackets(hp[1] ?? ''), port: portOf(hp[2]), path: '', query: {} };
  }
  const [, rawScheme = '', rawHost = '', rawPort, path = '', rawQuery] = m;
  const host = stripBrackets(rawHost);
  const port = portOf(rawPort);
  const query = parseQuery(rawQuery);
  const [base = '', suffix] = rawScheme.split('+', 2);

  if (base === 'fake') {
    return { driver: 'fake', scheme: rawScheme, bootMethod: 'none', transport: '', host, port, path, query };
  }
  if (REMOVED_SCHEMES[base]) throw new BmcAddressError(REMOVED_SCHEMES[base] ?? '');
  if (host === '') throw new BmcAddressError('has no host');
  if (base === 'ipmi' || base === 'libvirt') {
    if (suffix) throw new BmcAddressError(`scheme ${rawScheme} does not take a +transport suffix`);
    return { driver: base === 'ipmi' ? 'ipmi' : 'libvirt', scheme: rawScheme, bootMethod: 'pxe', transport: '', host, port, path, query };
  }
  const redfish = REDFISH_SCHEMES[base];
  if (redfish) {
    if (suffix !== undefined && suffix !== 'http' && suffix !== 'https') {
      throw new BmcAddressError(`unknown transport "+${suffix}" (use +http or +https)`);
    }
    return { driver: 'redfish', scheme: rawScheme, ...redfish, transport: suffix ?? 'https', host, port, path, query };
  }
  throw new BmcAddressError(
    `unknown BMC scheme "${rawScheme}" (supported: ipmi, libvirt, ${Object.keys(REDFISH_SCHEMES).join(', ')}, fake)`,
  );
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function portOf(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BmcAddressError(`port ${raw} is out of range`);
  return port;
}

function parseQuery(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    out[key] = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
  }
  return out;
}
