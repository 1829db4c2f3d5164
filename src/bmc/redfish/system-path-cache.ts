/**
 * The host worker's memory of where each host's ComputerSystem lives on its BMC. Every activity
 * makes a new driver, and a BMC address without a system path costs a `GET /redfish/v1/Systems`
 * per activity to find it again. An entry is keyed by the host, its BMC address and its credential
 * version (one host's entry never serves another host, nor other credentials), lives a few
 * minutes, and is dropped when the BMC answers 404 (a reset renumbered its systems) or 401/403.
 */

/** Entries at most: a worker's fleet (1000 hosts in the bench) with room; the oldest goes first. */
export const REDFISH_SYSTEM_PATH_CACHE_MAX_ENTRIES = 4096;
/** How long an entry is trusted: long enough to span a lifecycle phase's activities, short enough that a re-cabled BMC is found again soon. */
export const REDFISH_SYSTEM_PATH_TTL_MS = 5 * 60_000;

/** The cache key: host identity, BMC address and credential version, unambiguous (JSON, so no separator can be forged). */
export function systemPathCacheKey(parts: { host: string; bmcAddress: string; credentialsVersion: string | undefined }): string {
  return JSON.stringify([parts.host, parts.bmcAddress, parts.credentialsVersion ?? '']);
}

export class RedfishSystemPathCache {
  private readonly entries = new Map<string, { path: string; expires: number }>();
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.expires) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.path;
  }

  set(key: string, path: string): void {
    this.entries.delete(key); // re-inserted last: Map order is the eviction order
    this.entries.set(key, { path, expires: this.now() + REDFISH_SYSTEM_PATH_TTL_MS });
    while (this.entries.size > REDFISH_SYSTEM_PATH_CACHE_MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  drop(key: string): void {
    this.entries.delete(key);
  }
}
