/**
 * sushy-tools' external notifications (its fake driver PUTs the whole system on every change) read
 * as what a real machine would do: boot (power-on with a network boot device or from an inserted
 * virtual CD, or a restart while so booting) or stop (power off, or the moment a restart begins).
 */
export interface SushySystem {
  uuid: string;
  name: string;
  power_state: string;
  pending_power?: { power_state: string; apply_time: number } | null;
  boot_device?: string;
  /** Virtual media by device: [local file, write-protected, inserted] (what InsertMedia/EjectMedia set). */
  boot_image?: Record<string, [string | null, boolean, boolean]>;
  boot_mode?: string;
  secure_boot?: boolean;
  nics?: Array<{ mac: string; ip?: string }>;
}

export interface MachineChange {
  stop: boolean;
  /** Boot the network-boot payload (the agent) at this time (ms since epoch). */
  bootAt?: number;
}

/** What a notification means for a machine whose payload is (or is not) `running`. */
export function machineChange(sys: SushySystem, running: boolean): MachineChange {
  const pending = sys.pending_power?.power_state;
  const device = sys.boot_device ?? 'Hdd';
  // A virtual CD boots only with media in it (the agent ISO or a live ISO; the fleet's lookup tells them apart).
  const bootsAgent = device === 'Cd' ? sys.boot_image?.Cd?.[2] === true : device !== 'Hdd';
  const applyAt = (sys.pending_power?.apply_time ?? 0) * 1000;
  if (pending && pending.includes('Restart')) return { stop: true, ...(bootsAgent ? { bootAt: applyAt } : {}) };
  if (pending === 'Off' || (!pending && sys.power_state === 'Off')) return { stop: true };
  // Only a power-on boots anything: changing the boot device of a running OS does not.
  if (pending === 'On' && bootsAgent && !running) return { stop: false, bootAt: applyAt };
  return { stop: false };
}
