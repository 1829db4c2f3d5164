/** Root device hints (spec.rootDeviceHints, software RAID physicalDisks): value rules; unknown hints are strict decoding's. */
import type { FieldError } from './validate-host.js';

const HINT_STRING_FIELDS = ['deviceName', 'hctl', 'model', 'vendor', 'serialNumber', 'wwn', 'wwnWithExtension', 'wwnVendorExtension'];

export function validateRootDeviceHints(hints: unknown, path: string, errors: FieldError[]): void {
  if (typeof hints !== 'object' || hints === null || Array.isArray(hints)) {
    errors.push({ field: path, reason: 'must be an object' });
    return;
  }
  for (const [key, value] of Object.entries(hints as Record<string, unknown>)) {
    const field = `${path}.${key}`;
    if (HINT_STRING_FIELDS.includes(key)) {
      if (typeof value !== 'string' || value === '') errors.push({ field, reason: 'must be a non-empty string' });
    } else if (key === 'minSizeGigabytes') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) errors.push({ field, reason: 'must be a whole number of GiB, 0 or more' });
    } else if (key === 'rotational') {
      if (typeof value !== 'boolean') errors.push({ field, reason: 'must be a boolean' });
    }
  }
  const name = (hints as Record<string, unknown>).deviceName;
  if (typeof name === 'string' && name !== '') {
    if (!name.startsWith('/dev/')) errors.push({ field: `${path}.deviceName`, reason: 'must start with /dev/' });
    else if (name.startsWith('/dev/disk/') && !name.startsWith('/dev/disk/by-path/')) {
      errors.push({ field: `${path}.deviceName`, reason: 'under /dev/disk/ only /dev/disk/by-path/ names are accepted' });
    }
  }
}
