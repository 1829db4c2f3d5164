/** BMO's FirmwareSchema name (`GetSchemaName`): the same vendor and model give the same name. */
import { createHash } from 'node:crypto';
import type { FirmwareSchemaMap } from '../api/firmware.js';

export function firmwareSchemaName(schema: FirmwareSchemaMap): string {
  const keys: string[] = [];
  for (const [name, s] of Object.entries(schema)) {
    keys.push(name, s.attribute_type ?? '', ...(s.allowable_values ?? []));
    for (const n of [s.lower_bound, s.upper_bound, s.min_length, s.max_length]) if (n !== undefined) keys.push(String(n));
    if (s.read_only !== undefined) keys.push(String(s.read_only));
  }
  // Go's sort.Strings is a byte-wise sort; fmt's %v of a []string is `[a b c]`.
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `schema-${createHash('sha256').update(`[${keys.join(' ')}]`).digest('hex').slice(0, 8)}`;
}
