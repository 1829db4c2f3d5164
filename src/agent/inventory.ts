/** The Ironic Python Agent's hardware inventory (IPA hardware.py list_hardware_info) and its mapping to Metal3 HardwareDetails. Pure. */
import { normaliseMac } from '../api/mac.js';
import type { HardwareDetails } from '../api/types.js';

export interface IpaDisk {
  name: string;
  model?: string | null;
  size: number;
  rotational?: boolean;
  wwn?: string | null;
  serial?: string | null;
  vendor?: string | null;
  wwn_with_extension?: string | null;
  wwn_vendor_extension?: string | null;
  hctl?: string | null;
  by_path?: string | null;
  tran?: string | null;
}

export interface IpaInterface {
  name: string;
  mac_address: string;
  ipv4_address?: string | null;
  ipv6_address?: string | null;
  has_carrier?: boolean;
  vendor?: string | null;
  product?: string | null;
  speed_mbps?: number | null;
  pci_address?: string | null;
}

export interface IpaInventory {
  interfaces: IpaInterface[];
  cpu?: { model_name?: string; frequency?: string | number; count?: number; architecture?: string; flags?: string[] };
  disks?: IpaDisk[];
  memory?: { total?: number; physical_mb?: number };
  bmc_address?: string | null;
  system_vendor?: { product_name?: string; serial_number?: string; manufacturer?: string; firmware?: { vendor?: string; version?: string; build_date?: string } };
  boot?: { current_boot_mode?: 'uefi' | 'bios'; pxe_interface?: string | null };
  hostname?: string;
}

/**
 * Caps on what the projection keeps: inspection data comes from whatever answered on the boot MAC,
 * and the projection goes into workflow history (Temporal limits events and histories by size).
 * Real machines stay far below them (x86 CPUs report ~150 flags; servers have a few NICs and disks).
 */
export const MAX_INVENTORY_STRING_CHARS = 128;
export const MAX_INVENTORY_NICS = 32;
export const MAX_INVENTORY_DISKS = 64;
export const MAX_CPU_FLAGS = 256;
export const MAX_CPU_FLAG_CHARS = 32;

/** How many disks a no-match error names (the rest are counted). */
export const MAX_DISKS_NAMED_IN_ERRORS = 16;

/** A string field, cut to the cap; anything that is not a non-empty string is dropped. */
const str = (v: unknown, max = MAX_INVENTORY_STRING_CHARS): string | undefined => (typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (v: unknown, max: number): unknown[] => (Array.isArray(v) ? v.slice(0, max) : []);
const opt = <K extends string, V>(key: K, value: V | null | undefined): Partial<Record<K, V>> =>
  value === undefined || value === null || value === '' ? {} : ({ [key]: value } as Record<K, V>);

/** BOOTIF as iPXE (`aa:bb:…`) or pxelinux (`01-aa-bb-…`) gives it, as a plain lower-case MAC. */
export function normaliseBootif(raw: string | null | undefined): string | undefined {
  return raw ? normaliseMac(raw.toLowerCase().replace(/^01-/, '')) : undefined;
}

/**
 * The bounded projection that reaches workflow history: every string capped, lists capped, values
 * of the wrong type dropped (the inventory is untrusted input), never the raw inventory.
 */
export function hardwareFromInventory(inventory: IpaInventory): HardwareDetails {
  const inv = obj(inventory);
  const cpu = obj(inv.cpu);
  const vendor = obj(inv.system_vendor);
  const firmware = vendor.firmware ? obj(vendor.firmware) : undefined;
  const memory = obj(inv.memory);
  const boot = obj(inv.boot);
  const pxeMac = normaliseBootif(str(boot.pxe_interface));
  const freqRaw = typeof cpu.frequency === 'string' ? Number(cpu.frequency.slice(0, 32)) : num(cpu.frequency);
  const freq = freqRaw !== undefined && Number.isFinite(freqRaw) ? freqRaw : undefined;
  const flags = list(cpu.flags, MAX_CPU_FLAGS).map((f) => str(f, MAX_CPU_FLAG_CHARS)).filter((f): f is string => f !== undefined);
  const physicalMb = num(memory.physical_mb);
  const total = num(memory.total);
  return {
    systemVendor: {
      ...opt('manufacturer', str(vendor.manufacturer)),
      ...opt('productName', str(vendor.product_name)),
      ...opt('serialNumber', str(vendor.serial_number)),
    },
    ...(firmware ? { firmware: { bios: { ...opt('vendor', str(firmware.vendor)), ...opt('version', str(firmware.version)), ...opt('date', str(firmware.build_date)) } } } : {}),
    ...(physicalMb ? { ramMebibytes: physicalMb } : total ? { ramMebibytes: Math.round(total / 2 ** 20) } : {}),
    cpu: {
      ...opt('arch', str(cpu.architecture)),
      ...opt('model', str(cpu.model_name)),
      ...(freq !== undefined ? { clockMegahertz: freq } : {}),
      ...opt('count', num(cpu.count)),
      ...(Array.isArray(cpu.flags) ? { flags } : {}),
    },
    nics: list(inv.interfaces, MAX_INVENTORY_NICS).map(obj).flatMap((i) => {
      const mac = normaliseBootif(str(i.mac_address));
      if (!mac) return [];
      const speed = num(i.speed_mbps);
      const [v, p] = [str(i.vendor), str(i.product)];
      return [{
        name: str(i.name) ?? '',
        mac,
        ...opt('ip', str(i.ipv4_address) ?? str(i.ipv6_address)),
        ...(speed ? { speedGbps: Math.round(speed / 1000) } : {}),
        ...(v && p ? { model: `${v} ${p}`.slice(0, MAX_INVENTORY_STRING_CHARS) } : {}),
        pxe: pxeMac !== undefined && mac === pxeMac,
      }];
    }),
    storage: list(inv.disks, MAX_INVENTORY_DISKS).map(obj).flatMap((d) => {
      const name = str(d.name);
      if (!name) return [];
      const byPath = str(d.by_path);
      const rotational = typeof d.rotational === 'boolean' ? d.rotational : undefined;
      return [{
        // Metal3 prefers the stable by-path name and keeps the kernel name as an alternate.
        name: byPath ?? name,
        alternateNames: byPath ? [name] : [],
        sizeBytes: num(d.size) ?? 0,
        ...(rotational !== undefined ? { rotational } : {}),
        type: d.tran === 'nvme' || name.startsWith('/dev/nvme') ? ('NVME' as const) : rotational ? ('HDD' as const) : ('SSD' as const),
        ...opt('vendor', str(d.vendor)),
        ...opt('model', str(d.model)),
        ...opt('serialNumber', str(d.serial)),
        ...opt('wwn', str(d.wwn)),
        ...opt('hctl', str(d.hctl)),
      }];
    }),
    ...opt('hostname', str(inv.hostname)),
  };
}

/**
 * The disks of an inventory the agent sent with a command result (poll.get_hardware_info), through
 * the same caps as the inspection projection: whatever answered at the callback URL wrote them.
 */
export function disksFromInventory(inventory: unknown): IpaDisk[] {
  return list(obj(inventory).disks, MAX_INVENTORY_DISKS).map(obj).flatMap((d): IpaDisk[] => {
    const name = str(d.name);
    if (!name) return [];
    const text = (k: 'model' | 'wwn' | 'serial' | 'vendor' | 'wwn_with_extension' | 'wwn_vendor_extension' | 'hctl' | 'by_path' | 'tran'): Partial<IpaDisk> => opt(k, str(d[k]));
    return [{
      name,
      size: num(d.size) ?? 0,
      ...(typeof d.rotational === 'boolean' ? { rotational: d.rotational } : {}),
      ...text('model'), ...text('wwn'), ...text('serial'), ...text('vendor'), ...text('wwn_with_extension'),
      ...text('wwn_vendor_extension'), ...text('hctl'), ...text('by_path'), ...text('tran'),
    }];
  });
}
