/**
 * Software RAID as Metal3 asks for it (spec.raid.softwareRAIDVolumes) mapped to what Ironic hands
 * the agent (BMO pkg/provisioner/ironic/raid.go): the node's target_raid_config and the manual
 * clean steps that reach it from the configuration last applied (status.provisioning.raid). Pure.
 */
import type { BareMetalHostSpec, RootDeviceHints } from './types.js';

/** One BMO SoftwareRAIDVolume (validated at apply: level 0/1/1+0, the first one RAID-1). */
export interface SoftwareRaidVolume {
  level: string;
  sizeGibibytes?: number;
  rootVolume?: boolean;
  physicalDisks?: RootDeviceHints[];
}

/** The `spec.raid` shape, also kept as status.provisioning.raid once applied (BMO RAIDConfig). */
export type RaidConfig = NonNullable<BareMetalHostSpec['raid']>;

/** An Ironic logical disk (ironic/common/raid_config_schema.json) for IPA's software RAID. */
export interface LogicalDisk {
  /** GiB, or 'MAX' (IPA: the rest of the disks; one volume at most). */
  size_gb: number | 'MAX';
  raid_level: string;
  controller: 'software';
  is_root_volume: boolean;
  physical_disks?: Array<Record<string, string>>;
}

export interface TargetRaidConfig {
  logical_disks: LogicalDisk[];
}

/** A manual clean step as the agent runs it (interface + step name). */
export interface RaidCleanStep {
  interface: 'raid' | 'deploy';
  step: 'delete_configuration' | 'erase_devices_metadata' | 'create_configuration';
}

/** The software volumes of a RAID config; undefined when software RAID is not asked for at all (null/absent). */
export function softwareVolumes(raid: RaidConfig | null | undefined): SoftwareRaidVolume[] | undefined {
  const v = raid?.softwareRAIDVolumes;
  return Array.isArray(v) ? (v as SoftwareRaidVolume[]) : undefined;
}

/** Ironic's hint map for one physical disk (BMO devicehints.MakeHintMap). */
export function hintMap(h: RootDeviceHints): Record<string, string> {
  const m: Record<string, string> = {};
  if (h.deviceName) m[h.deviceName.startsWith('/dev/disk/by-path/') ? 'by_path' : 'name'] = `s== ${h.deviceName}`;
  if (h.hctl) m.hctl = `s== ${h.hctl}`;
  if (h.model) m.model = `<in> ${h.model}`;
  if (h.vendor) m.vendor = `<in> ${h.vendor}`;
  if (h.serialNumber) m.serial = `s== ${h.serialNumber}`;
  if (h.minSizeGigabytes) m.size = `>= ${h.minSizeGigabytes}`;
  if (h.wwn) m.wwn = `s== ${h.wwn}`;
  if (h.wwnWithExtension) m.wwn_with_extension = `s== ${h.wwnWithExtension}`;
  if (h.wwnVendorExtension) m.wwn_vendor_extension = `s== ${h.wwnVendorExtension}`;
  if (h.rotational !== undefined) m.rotational = String(h.rotational);
  return m;
}

/**
 * target_raid_config for the agent (BMO buildTargetSoftwareRAIDCfg), volumes in order (IPA makes
 * /dev/md0, md1, … from them). Unset or 0 size: 'MAX', the rest of the disks (IPA hardware.py
 * reads size_gb and treats 'MAX' specially; gophercloud's omitted size means the same).
 */
export function targetRaidConfig(volumes: SoftwareRaidVolume[]): TargetRaidConfig {
  return {
    logical_disks: volumes.map((v) => ({
      size_gb: v.sizeGibibytes ? v.sizeGibibytes : 'MAX',
      raid_level: v.level,
      controller: 'software',
      is_root_volume: v.rootVolume === true,
      ...(v.physicalDisks && v.physicalDisks.length > 0 ? { physical_disks: v.physicalDisks.map(hintMap) } : {}),
    })),
  };
}

/** A volume with BMO's defaults made explicit, so equal requests compare equal. */
function canonical(v: SoftwareRaidVolume): string {
  return JSON.stringify([v.level, v.sizeGibibytes ?? 0, v.rootVolume === true, (v.physicalDisks ?? []).map(hintMap)]);
}

export function sameSoftwareRaid(a: SoftwareRaidVolume[] | undefined, b: SoftwareRaidVolume[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((v, i) => canonical(v) === canonical(b[i] as SoftwareRaidVolume));
}

/**
 * The clean steps from the applied configuration to the target (BMO BuildRAIDCleanSteps, software
 * part): none when software RAID is not asked for or already applied; delete the old arrays and
 * erase the disks' metadata (IPA refuses disks with partitions); then create, unless the target is
 * the empty list (which only clears).
 */
export function raidCleanSteps(target: RaidConfig | null | undefined, actual: RaidConfig | null | undefined): RaidCleanStep[] {
  const want = softwareVolumes(target);
  if (want === undefined) return [];
  const have = softwareVolumes(actual);
  if (sameSoftwareRaid(want, have)) return [];
  if (want.length === 0 && (have === undefined || have.length === 0)) return [];
  const clear: RaidCleanStep[] = [
    { interface: 'raid', step: 'delete_configuration' },
    { interface: 'deploy', step: 'erase_devices_metadata' },
  ];
  return want.length === 0 ? clear : [...clear, { interface: 'raid', step: 'create_configuration' }];
}

/**
 * The RAID configuration preparing works towards (BMO saveHostProvisioningSettings): the spec's;
 * but a spec without RAID (absent, or no volume list) over an applied configuration means "clear
 * the software RAID": an empty volume list.
 */
export function raidTarget(spec: RaidConfig | null | undefined, applied: RaidConfig | null | undefined): RaidConfig | undefined {
  const asked = spec ? softwareVolumes(spec) !== undefined || Array.isArray(spec.hardwareRAIDVolumes) : false;
  if (asked) return spec ?? undefined;
  return applied ? { softwareRAIDVolumes: [] } : undefined;
}

/** Whether the host must go (back) through preparing for its RAID: the clean steps are not none. */
export function raidChanged(spec: RaidConfig | null | undefined, applied: RaidConfig | null | undefined): boolean {
  return raidCleanSteps(raidTarget(spec, applied), applied).length > 0;
}

/**
 * The md device the image goes to: the volume marked rootVolume, else the first (BMO: "if
 * rootDeviceHints isn't used, first volume is root volume"); IPA names them /dev/md<index>.
 * Undefined when no software volumes are applied.
 */
export function softwareRaidRootDevice(applied: RaidConfig | null | undefined): string | undefined {
  const vols = softwareVolumes(applied);
  if (!vols || vols.length === 0) return undefined;
  const i = vols.findIndex((v) => v.rootVolume === true);
  return `/dev/md${i < 0 ? 0 : i}`;
}
