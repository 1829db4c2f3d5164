/** MAC addresses as hosts are keyed by: lower case, colon-separated. Pure. */
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** `aa:bb:…` or `AA-BB-…` as `aa:bb:…`; anything else undefined. */
export function normaliseMac(raw: string | null | undefined): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const mac = raw.toLowerCase().replace(/-/g, ':');
  return MAC.test(mac) ? mac : undefined;
}
