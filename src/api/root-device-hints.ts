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
  // BMO validateRootDeviceHints: a name directly under /dev/ or under /dev/disk/by-path/.
  if (typeof name === 'string' && name !== '') {
    if (!name.startsWith('/dev/')) errors.push({ field: `${path}.deviceName`, reason: `device name of root device hint must be a /dev/ path, not "${name}"` });
    else if (name.slice('/dev/'.length).replace(/^disk\/by-path\//, '').includes('/')) {
      errors.push({ field: `${path}.deviceName`, reason: `device name of root device hint must be path in /dev/ or /dev/disk/by-path/, not "${name}"` });
    }
  }
}
