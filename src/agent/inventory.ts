/** The Ironic Python Agent's hardware inventory (IPA hardware.py list_hardware_info) and its mapping to Metal3 HardwareDetails. Pure. */
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

const opt = <K extends string, V>(key: K, value: V | null | undefined): Partial<Record<K, V>> =>
  value === undefined || value === null || value === '' ? {} : ({ [key]: value } as Record<K, V>);

/** BOOTIF as iPXE (`aa:bb:…`) or pxelinux (`01-aa-bb-…`) gives it, as a plain lower-case MAC. */
export function normaliseBootif(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  const hex = raw.toLowerCase().replace(/^01-/, '').replace(/-/g, ':');
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(hex) ? hex : undefined;
}

export function hardwareFromInventory(inv: IpaInventory): HardwareDetails {
  const pxeMac = normaliseBootif(inv.boot?.pxe_interface);
  const freq = inv.cpu?.frequency === undefined ? undefined : Number(inv.cpu.frequency);
  return {
    systemVendor: {
      ...opt('manufacturer', inv.system_vendor?.manufacturer),
      ...opt('productName', inv.system_vendor?.product_name),
      ...opt('serialNumber', inv.system_vendor?.serial_number),
    },
    ...(inv.system_vendor?.firmware
      ? { firmware: { bios: { ...opt('vendor', inv.system_vendor.firmware.vendor), ...opt('version', inv.system_vendor.firmware.version), ...opt('date', inv.system_vendor.firmware.build_date) } } }
      : {}),
    ...(inv.memory?.physical_mb ? { ramMebibytes: inv.memory.physical_mb } : inv.memory?.total ? { ramMebibytes: Math.round(inv.memory.total / 2 ** 20) } : {}),
    cpu: {
      ...opt('arch', inv.cpu?.architecture),
      ...opt('model', inv.cpu?.model_name),
      ...(freq !== undefined && Number.isFinite(freq) ? { clockMegahertz: freq } : {}),
      ...opt('count', inv.cpu?.count),
      ...(inv.cpu?.flags ? { flags: inv.cpu.flags } : {}),
    },
    nics: inv.interfaces.map((i) => ({
      name: i.name,
      mac: i.mac_address.toLowerCase(),
      ...opt('ip', i.ipv4_address ?? i.ipv6_address),
      ...(i.speed_mbps ? { speedGbps: Math.round(i.speed_mbps / 1000) } : {}),
      ...(i.vendor && i.product ? { model: `${i.vendor} ${i.product}` } : {}),
      pxe: pxeMac !== undefined && i.mac_address.toLowerCase() === pxeMac,
    })),
    storage: (inv.disks ?? []).map((d) => ({
      // Metal3 prefers the stable by-path name and keeps the kernel name as an alternate.
      name: d.by_path || d.name,
      alternateNames: d.by_path ? [d.name] : [],
      sizeBytes: d.size,
      ...(d.rotational !== undefined ? { rotational: d.rotational } : {}),
      type: d.tran === 'nvme' || d.name.startsWith('/dev/nvme') ? ('NVME' as const) : d.rotational ? ('HDD' as const) : ('SSD' as const),
      ...opt('vendor', d.vendor),
      ...opt('model', d.model),
      ...opt('serialNumber', d.serial),
      ...opt('wwn', d.wwn),
      ...opt('hctl', d.hctl),
    })),
    ...opt('hostname', inv.hostname),
  };
}
