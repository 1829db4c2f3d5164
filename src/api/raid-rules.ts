/**
 * spec.raid rules: the CRD schema (enums, MinItems/MaxItems), BMO's webhook (validateRAID), BMO's
 * Ironic mapping (raid.go: the first software volume is RAID-1) and IPA's validate_configuration
 * (one volume of size MAX), with their texts. Hardware RAID is refused on every driver: no driver
 * here configures it.
 */
import { driverType, type BmcAddress } from './bmc-address.js';
import { validateRootDeviceHints } from './root-device-hints.js';
import type { FieldError } from './validate-host.js';

export const HW_RAID_LEVELS: readonly string[] = ['0', '1', '2', '5', '6', '1+0', '5+0', '6+0'];
export const SW_RAID_LEVELS: readonly string[] = ['0', '1', '1+0'];
/** CRD: softwareRAIDVolumes MaxItems. */
export const MAX_SOFTWARE_RAID_VOLUMES = 2;
/** CRD: a software volume's physicalDisks MinItems. */
export const MIN_SOFTWARE_RAID_DISKS = 2;
/** CRD: a hardware volume's name MaxLength. */
export const MAX_HW_VOLUME_NAME = 64;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSize = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0);

export function validateRaid(raid: unknown, bmc: BmcAddress | undefined, hasRootHints: boolean, errors: FieldError[]): void {
  if (!isObject(raid)) {
    errors.push({ field: 'spec.raid', reason: 'must be an object' });
    return;
  }
  const hw: unknown[] = Array.isArray(raid.hardwareRAIDVolumes) ? raid.hardwareRAIDVolumes : [];
  const sw: unknown[] = Array.isArray(raid.softwareRAIDVolumes) ? raid.softwareRAIDVolumes : [];
  for (const key of ['hardwareRAIDVolumes', 'softwareRAIDVolumes'] as const) {
    if (raid[key] !== undefined && raid[key] !== null && !Array.isArray(raid[key])) errors.push({ field: `spec.raid.${key}`, reason: 'must be a list' });
  }
  if (hw.length > 0 && sw.length > 0) errors.push({ field: 'spec.raid', reason: 'hardwareRAIDVolumes and softwareRAIDVolumes can not be set at the same time' });
  if (hw.length > 0) errors.push({ field: 'spec.raid.hardwareRAIDVolumes', reason: `hardware RAID is not supported (BMC driver ${bmc ? driverType(bmc) : 'none'})` });
  hw.forEach((vol, i) => validateHardwareVolume(vol, i, errors));

  if (sw.length > MAX_SOFTWARE_RAID_VOLUMES) errors.push({ field: 'spec.raid.softwareRAIDVolumes', reason: `should have at most ${MAX_SOFTWARE_RAID_VOLUMES} items` });
  let rootVolumes = 0;
  let maxSized = 0;
  sw.forEach((vol, i) => {
    const path = `spec.raid.softwareRAIDVolumes[${i}]`;
    if (!isObject(vol)) {
      errors.push({ field: path, reason: 'must be an object' });
      return;
    }
    if (typeof vol.level !== 'string' || !SW_RAID_LEVELS.includes(vol.level)) {
      errors.push({ field: `${path}.level`, reason: `must be one of ${SW_RAID_LEVELS.join(', ')}` });
    } else if (i === 0 && vol.level !== '1') {
      errors.push({ field: `${path}.level`, reason: 'the level in first volume of software raid must be RAID1' });
    } else if (vol.rootVolume === true && vol.level !== '1') {
      errors.push({ field: `${path}.level`, reason: `softwareRAIDVolumes[${i}] with rootVolume set must use RAID level 1` });
    }
    if (vol.rootVolume !== undefined && typeof vol.rootVolume !== 'boolean') errors.push({ field: `${path}.rootVolume`, reason: 'must be a boolean' });
    if (vol.rootVolume === true) rootVolumes += 1;
    if (!isSize(vol.sizeGibibytes)) errors.push({ field: `${path}.sizeGibibytes`, reason: 'must be a whole number, 0 or more' });
    // Unset or 0 means "MAX" (the rest of the disks).
    if (!vol.sizeGibibytes) maxSized += 1;
    const disks = vol.physicalDisks;
    if (disks !== undefined && disks !== null) {
      if (!Array.isArray(disks)) errors.push({ field: `${path}.physicalDisks`, reason: 'must be a list of root device hints' });
      else {
        if (disks.length < MIN_SOFTWARE_RAID_DISKS) errors.push({ field: `${path}.physicalDisks`, reason: `should have at least ${MIN_SOFTWARE_RAID_DISKS} items` });
        disks.forEach((hints, d) => validateRootDeviceHints(hints, `${path}.physicalDisks[${d}]`, errors));
      }
    }
  });
  if (rootVolumes > 1) errors.push({ field: 'spec.raid.softwareRAIDVolumes', reason: 'softwareRAIDVolumes[*].rootVolume can only be set once' });
  if (rootVolumes === 1 && hasRootHints) errors.push({ field: 'spec.raid.softwareRAIDVolumes', reason: 'softwareRAIDVolumes[*].rootVolume and rootDeviceHints can not be set at the same time' });
  if (maxSized > 1) errors.push({ field: 'spec.raid.softwareRAIDVolumes', reason: "Software RAID can have only one RAID device with size 'MAX'" });
}

function validateHardwareVolume(vol: unknown, i: number, errors: FieldError[]): void {
  const path = `spec.raid.hardwareRAIDVolumes[${i}]`;
  if (!isObject(vol)) {
    errors.push({ field: path, reason: 'must be an object' });
    return;
  }
  if (typeof vol.level !== 'string' || !HW_RAID_LEVELS.includes(vol.level)) errors.push({ field: `${path}.level`, reason: `must be one of ${HW_RAID_LEVELS.join(', ')}` });
  if (typeof vol.name === 'string' && vol.name.length > MAX_HW_VOLUME_NAME) errors.push({ field: `${path}.name`, reason: `must be at most ${MAX_HW_VOLUME_NAME} characters` });
  if (!isSize(vol.sizeGibibytes)) errors.push({ field: `${path}.sizeGibibytes`, reason: 'must be a whole number, 0 or more' });
  const disks = Array.isArray(vol.physicalDisks) ? vol.physicalDisks : [];
  if (disks.length > 0 && !vol.controller) {
    errors.push({ field: `${path}.physicalDisks`, reason: `'physicalDisks' specified without 'controller' in hardware RAID volume ${i}` });
  }
  const count = vol.numberOfPhysicalDisks;
  if (typeof count === 'number' && disks.length > 0 && count !== disks.length) {
    errors.push({ field: `${path}.numberOfPhysicalDisks`, reason: `the 'numberOfPhysicalDisks'[${count}] and number of 'physicalDisks'[${disks.length}] is not same for volume ${i}` });
  }
}
