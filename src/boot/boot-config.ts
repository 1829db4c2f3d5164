/**
 * What each known machine should network-boot, by boot MAC: the agent while its host workflow
 * has an agent session open, otherwise its local disk. The host workflows own this state; the
 * boot services hold a copy (filled by the boot activities, rebuilt from the workflows when the
 * worker starts) that the DHCP server uses as its list of known MACs.
 */
import type { KnownHosts } from './dhcp/responder.js';

export interface BootTarget {
  mac: string;
  uuid: string;
  name: string;
  /** `agent`: boot the agent ramdisk; `local`: boot the first disk. */
  action: 'agent' | 'local';
  /** An inspection boot: the agent is told where to post its inventory (Ironic adds
   * ipa-inspection-callback-url only to inspection boots; cleaning/deploy boots go straight to lookup). */
  inspect?: boolean;
}

export class BootConfigStore implements KnownHosts {
  private readonly byMac = new Map<string, BootTarget>();
  private readonly listeners = new Set<(mac: string) => void>();

  set(target: BootTarget): void {
    this.byMac.set(target.mac.toLowerCase(), { ...target, mac: target.mac.toLowerCase() });
    this.changed(target.mac);
  }

  /** Known hosts keep their entry (DHCP reservation) but boot locally. */
  bootLocal(mac: string): void {
    const t = this.byMac.get(mac.toLowerCase());
    if (t) t.action = 'local';
    this.changed(mac);
  }

  forget(mac: string): void {
    this.byMac.delete(mac.toLowerCase());
    this.changed(mac);
  }

  /**
   * Called synchronously after every change of a MAC's entry (lower-case MAC), so a copy (the
   * scripts nginx serves) is current before the change's caller goes on. Returns the unsubscribe.
   */
  subscribe(listener: (mac: string) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(mac: string): void {
    for (const l of this.listeners) l(mac.toLowerCase());
  }

  get(mac: string): BootTarget | undefined {
    return this.byMac.get(mac.toLowerCase());
  }

  has(mac: string): boolean {
    return this.byMac.has(mac.toLowerCase());
  }

  all(): BootTarget[] {
    return [...this.byMac.values()];
  }
}
