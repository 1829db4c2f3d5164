/**
 * Root device selection from an inventory with Metal3's rootDeviceHints semantics (BMO
 * devicehints.go → Ironic/IPA find_devices_by_hints): every given hint must match; names, HCTL,
 * serial and WWNs exactly; model and vendor as substrings; minSizeGigabytes as size ≥ N GiB;
 * rotational as a boolean. The first matching disk in inventory order wins. Without hints, Ironic's
 * default: the smallest disk of at least 4 GiB. Pure.
 */
import type { RootDeviceHints } from '../api/types.js';
import { MAX_DISKS_NAMED_IN_ERRORS, type IpaDisk } from './inventory.js';
import { MetalflowError } from '../errors.js';
import { clip } from '../net/peer-request.js';

const GIB = 2 ** 30;
/** Ironic's minimum root device size without hints. */
export const DEFAULT_MIN_ROOT_BYTES = 4 * GIB;

export class RootDeviceNotFoundError extends MetalflowError {
  readonly nonRetryable = true;
  constructor(readonly hints: RootDeviceHints, readonly disks: IpaDisk[]) {
    // Named from the agent's word: a bounded number, each field clipped, so the error stays small.
    const clip64 = (v: string | null | undefined): string => clip(String(v ?? ''), 64);
    const named = disks.slice(0, MAX_DISKS_NAMED_IN_ERRORS);
    const seen = named.map((d) => `${clip64(d.name)} (${Math.floor(d.size / GIB)} GiB${d.serial ? `, serial ${clip64(d.serial)}` : ''}${d.model ? `, model ${clip64(d.model)}` : ''}${d.wwn ? `, wwn ${clip64(d.wwn)}` : ''})`).join('; ');
    const more = disks.length > named.length ? ` and ${disks.length - named.length} more` : '';
    super(`no disk matches rootDeviceHints ${JSON.stringify(hints)}; disks seen: ${seen || 'none'}${more}`, { hints, disks: named.map((d) => clip64(d.name)), diskCount: disks.length });
  }
}

const eq = (want: string, have: string | null | undefined): boolean => have !== undefined && have !== null && have === want;
const contains = (want: string, have: string | null | undefined): boolean => typeof have === 'string' && have.toLowerCase().includes(want.toLowerCase());

export function diskMatches(disk: IpaDisk, hints: RootDeviceHints): boolean {
  if (hints.deviceName !== undefined) {
    const byPath = hints.deviceName.startsWith('/dev/disk/by-path/');
    if (!(byPath ? eq(hints.deviceName, disk.by_path) : eq(hints.deviceName, disk.name))) return false;
  }
  if (hints.hctl !== undefined && !eq(hints.hctl, disk.hctl)) return false;
  if (hints.serialNumber !== undefined && !eq(hints.serialNumber, disk.serial)) return false;
  if (hints.wwn !== undefined && !eq(hints.wwn, disk.wwn)) return false;
  if (hints.wwnWithExtension !== undefined && !eq(hints.wwnWithExtension, disk.wwn_with_extension)) return false;
  if (hints.wwnVendorExtension !== undefined && !eq(hints.wwnVendorExtension, disk.wwn_vendor_extension)) return false;
  if (hints.model !== undefined && !contains(hints.model, disk.model)) return false;
  if (hints.vendor !== undefined && !contains(hints.vendor, disk.vendor)) return false;
  if (hints.minSizeGigabytes !== undefined && disk.size < hints.minSizeGigabytes * GIB) return false;
  if (hints.rotational !== undefined && disk.rotational !== hints.rotational) return false;
  return true;
}

export function selectRootDevice(disks: IpaDisk[], hints: RootDeviceHints | undefined): IpaDisk {
  const given = hints && Object.keys(hints).length > 0 ? hints : undefined;
  if (given) {
    const match = disks.find((d) => diskMatches(d, given));
    if (!match) throw new RootDeviceNotFoundError(given, disks);
    return match;
  }
  const candidates = disks.filter((d) => d.size >= DEFAULT_MIN_ROOT_BYTES).sort((a, b) => a.size - b.size);
  const smallest = candidates[0];
  if (!smallest) throw new RootDeviceNotFoundError({ minSizeGigabytes: 4 }, disks);
  return smallest;
}

/**
 * The applied software RAID's root volume (/dev/md<i>) from the agent's inventory, which lists md
 * devices next to their holder disks; never a holder. If the array came back under another name
 * (mdadm --assemble --scan names foreign arrays /dev/md127, …), the only md device there is.
 */
export function selectSoftwareRaidRoot(disks: IpaDisk[], mdName: string): IpaDisk {
  const md = disks.filter((d) => /^\/dev\/md\d+$/.test(d.name));
  const match = md.find((d) => d.name === mdName) ?? (md.length === 1 ? md[0] : undefined);
  if (!match) throw new RootDeviceNotFoundError({ deviceName: mdName }, disks);
  return match;
}
