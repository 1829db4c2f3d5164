/**
 * Maps Redfish resources onto Metal3 HardwareDetails (out-of-band, `inspectionMode: fast`). Pure.
 * The BMC is not trusted: texts are clipped and MACs must be MACs, as the result goes into the
 * host's status and workflow history.
 */
import type { HardwareDetails } from '../../api/types.js';
import { clip } from '../../net/peer-request.js';
import type { Json } from './redfish-client.js';

/** Longest text kept from a BMC (names, models, serial numbers, versions). */
export const INVENTORY_MAX_TEXT = 128;

/** The Redfish MACAddress pattern (colons or dashes). */
const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? clip(v, INVENTORY_MAX_TEXT) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export interface RedfishInventory {
  system: Json;
  processors: Json[];
  nics: Json[];
  drives: Json[];
  /** SimpleStorage `Devices` entries, for BMCs without the Storage resource. */
  simpleDevices: Json[];
}

export function hardwareFromRedfish(inv: RedfishInventory): HardwareDetails {
  const s = inv.system;
  const memory = (s.MemorySummary ?? {}) as Json;
  const procSummary = (s.ProcessorSummary ?? {}) as Json;
  const firstCpu = inv.processors[0] ?? {};
  const arch = str(firstCpu.InstructionSet) ?? str(firstCpu.ProcessorArchitecture);
  const hw: HardwareDetails = {
    systemVendor: {
      ...(str(s.Manufacturer) ? { manufacturer: str(s.Manufacturer) } : {}),
      ...(str(s.Model) ? { productName: str(s.Model) } : {}),
      ...(str(s.SerialNumber) ? { serialNumber: str(s.SerialNumber) } : {}),
    },
    ...(str(s.BiosVersion) ? { firmware: { bios: { version: str(s.BiosVersion) } } } : {}),
    ...(num(memory.TotalSystemMemoryGiB) !== undefined ? { ramMebibytes: Math.round((num(memory.TotalSystemMemoryGiB) ?? 0) * 1024) } : {}),
    cpu: {
      ...(arch ? { arch: normaliseArch(arch) } : {}),
      ...(str(procSummary.Model) ?? str(firstCpu.Model) ? { model: str(procSummary.Model) ?? str(firstCpu.Model) } : {}),
      ...(num(firstCpu.MaxSpeedMHz) !== undefined ? { clockMegahertz: num(firstCpu.MaxSpeedMHz) } : {}),
      ...(num(procSummary.Count) !== undefined ? { count: num(procSummary.Count) } : {}),
    },
    nics: inv.nics
      .map((n) => ({ n, mac: [n.MACAddress, n.PermanentMACAddress].find((m): m is string => typeof m === 'string' && MAC.test(m))?.replaceAll('-', ':') }))
      .filter((x): x is { n: Json; mac: string } => x.mac !== undefined)
      .map(({ n, mac }) => ({
        name: str(n.Name) ?? str(n.Id) ?? mac,
        mac: mac.toLowerCase(),
        ...(num(n.SpeedMbps) !== undefined ? { speedGbps: Math.round((num(n.SpeedMbps) ?? 0) / 1000) } : {}),
      })),
    storage: [
      ...inv.drives.map((d) => ({
        name: str(d.Name) ?? str(d.Id) ?? 'disk',
        sizeBytes: num(d.CapacityBytes) ?? 0,
        ...(str(d.SerialNumber) ? { serialNumber: str(d.SerialNumber) } : {}),
        ...(str(d.Model) ? { model: str(d.Model) } : {}),
        ...(str(d.Manufacturer) ? { vendor: str(d.Manufacturer) } : {}),
        ...(d.MediaType === 'HDD' ? { type: 'HDD' as const, rotational: true } : d.Protocol === 'NVMe' ? { type: 'NVME' as const, rotational: false } : d.MediaType === 'SSD' ? { type: 'SSD' as const, rotational: false } : {}),
      })),
      ...inv.simpleDevices.map((d) => ({ name: str(d.Name) ?? 'disk', sizeBytes: num(d.CapacityBytes) ?? 0, ...(str(d.Model) ? { model: str(d.Model) } : {}) })),
    ],
  };
  return hw;
}

function normaliseArch(a: string): string {
  const x = a.toLowerCase();
  if (x === 'x86-64' || x === 'x86_64' || x === 'x86') return 'x86_64';
  if (x === 'arm-a64' || x === 'arm' || x === 'aarch64') return 'aarch64';
  return a;
}
