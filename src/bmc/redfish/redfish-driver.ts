/**
 * Redfish BMC driver, as Ironic's `redfish` hardware type drives a BMC: ComputerSystem power state
 * and Reset, boot source override, VirtualMedia (under the System or its Manager) and
 * out-of-band inspection. The system path comes from the BMC address, or is discovered when the
 * BMC has exactly one system.
 */
import type { HardwareDetails } from '../../api/types.js';
import type { BmcAddress } from '../../api/bmc-address.js';
import type { RebootMode } from '../../api/types.js';
import { BmcAuthenticationError, BmcResponseLimitError, RedfishRequestError, UnsupportedDriverError } from '../../errors.js';
import { clip } from '../../net/peer-request.js';
import { waitForPower } from '../power-wait.js';
import { BMC_POWER_POLL_MS, POWER_STATE_TIMEOUT_MS, SOFT_POWER_OFF_TIMEOUT_MS } from '../timing.js';
import type { FirmwareUpdate, SettingValue } from '../../api/firmware.js';
import type { BmcDriver, BootDevice, BootDeviceOptions, FirmwareComponentReading, FirmwareSettingsApplied, FirmwareSettingsReading, OperationContext } from '../driver.js';
import { RedfishBios, type RedfishBiosOptions } from './redfish-bios.js';
import { RedfishClient, type Json, type RedfishClientOptions } from './redfish-client.js';
import { hardwareFromRedfish } from './redfish-inventory.js';
import type { RedfishSystemPathCache } from './system-path-cache.js';

export interface RedfishDriverOptions extends RedfishClientOptions {
  /** Firmware update task and BIOS verification waits (redfish-bios.ts). */
  firmware?: RedfishBiosOptions;
  /** Wait for the reported power state to follow a command (Ironic power_state_change_timeout: 120 s). */
  powerStateTimeoutMs?: number;
  /** GracefulShutdown this long before ForceOff (Ironic soft power-off timeout: 180 s). */
  softPowerOffTimeoutMs?: number;
  pollMs?: number;
  /** The worker's discovered system paths, and this host's key into them (system-path-cache.ts). */
  discovery?: { cache: RedfishSystemPathCache; key: string };
}

const BOOT_TARGET: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd', uefihttp: 'UefiHttp' };

/** Most entries read from one Members (or Drives, Devices) array: real servers list tens, a few hundred drives at most. */
export const REDFISH_MAX_MEMBERS = 512;
/**
 * Most resources one out-of-band inspection reads or reports (inline SimpleStorage devices
 * count): bounds its time against a BMC that lists without end, and the inventory that reaches
 * workflow history.
 */
export const REDFISH_MAX_INSPECTION_RESOURCES = 1024;

const id = (v: unknown): string | undefined => (v && typeof v === 'object' && typeof (v as Json)['@odata.id'] === 'string' ? ((v as Json)['@odata.id'] as string) : undefined);

export class RedfishDriver implements BmcDriver {
  private readonly client: RedfishClient;
  private systemPathCache: string | undefined;
  private readonly powerTimeoutMs: number;
  private readonly softOffMs: number;
  private readonly pollMs: number;
  private readonly biosResource: RedfishBios;
  private readonly discovery: { cache: RedfishSystemPathCache; key: string } | undefined;
  /** The system path came from the worker's cache, not from this BMC in this activity. */
  private systemPathFromCache = false;

  constructor(
    address: BmcAddress,
    credentials: { username: string; password: string },
    verifyCertificate: boolean,
    opts: RedfishDriverOptions = {},
  ) {
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    const origin = `${address.transport || 'https'}://${host}${address.port ? `:${address.port}` : ''}`;
    this.client = new RedfishClient({ origin, ...credentials, verifyCertificate }, opts);
    this.systemPathCache = /\/redfish\/v1\/Systems\/[^/]+/.test(address.path) ? address.path.replace(/\/+$/, '') : undefined;
    this.powerTimeoutMs = opts.powerStateTimeoutMs ?? POWER_STATE_TIMEOUT_MS;
    this.softOffMs = opts.softPowerOffTimeoutMs ?? SOFT_POWER_OFF_TIMEOUT_MS;
    this.pollMs = opts.pollMs ?? BMC_POWER_POLL_MS;
    // Only a discovered path is cached: one in the address needs no request to find.
    this.discovery = this.systemPathCache ? undefined : opts.discovery;
    this.biosResource = new RedfishBios({ client: this.client, systemPath: () => this.systemPath(), poweredOn: () => this.getPowerState(), restart: (ctx) => this.reboot(ctx, 'hard'), powerOff: (ctx) => this.setPower(ctx, false, { force: true }) }, opts.firmware);
  }

  async register(): Promise<{ poweredOn: boolean }> {
    const system = await this.system();
    return { poweredOn: system.PowerState === 'On' };
  }

  async getPowerState(): Promise<boolean> {
    return (await this.system()).PowerState === 'On';
  }

  async setPower(ctx: OperationContext, on: boolean, opts: { force?: boolean } = {}): Promise<void> {
    if ((await this.getPowerState()) === on) return; // idempotent: a retried step finds it done
    if (on) {
      await this.reset(await this.pick(['On', 'ForceOn']));
      await this.waitPower(ctx, true, this.powerTimeoutMs);
      return;
    }
    if (!opts.force) {
      const allowed = await this.allowedResetTypes();
      if (!allowed || allowed.includes('GracefulShutdown')) {
        await this.reset('GracefulShutdown');
        if (await this.waitPower(ctx, false, this.softOffMs, false)) return;
      }
    }
    await this.reset('ForceOff');
    await this.waitPower(ctx, false, this.powerTimeoutMs);
  }

  async reboot(ctx: OperationContext, mode: RebootMode): Promise<void> {
    if (!(await this.getPowerState())) {
      await this.setPower(ctx, true);
      return;
    }
    await this.reset(mode === 'hard' ? 'ForceRestart' : await this.pick(['GracefulRestart', 'ForceRestart']));
    await this.waitPower(ctx, true, this.powerTimeoutMs);
  }

  async setBootDevice(_ctx: OperationContext, device: BootDevice, opts: BootDeviceOptions = {}): Promise<void> {
    if (device === 'uefihttp' && opts.mode === 'legacy') throw new UnsupportedDriverError('UEFI HTTP boot needs bootMode UEFI (legacy BIOS firmware cannot HTTP-boot)');
    const mode = opts.mode && (opts.mode === 'legacy' ? 'Legacy' : 'UEFI');
    // The mode only when it changes, as Ironic syncs it: sushy-tools' libvirt driver rebuilds the
    // firmware on every BootSourceOverrideMode and so turns secure boot off even on UEFI → UEFI.
    const current = mode ? ((await this.system()).Boot as Json | undefined)?.BootSourceOverrideMode : undefined;
    const boot: Json = {
      BootSourceOverrideTarget: BOOT_TARGET[device],
      BootSourceOverrideEnabled: opts.persistent ? 'Continuous' : 'Once',
      ...(mode && mode !== current ? { BootSourceOverrideMode: mode } : {}),
      // Redfish 1.15+: the firmware fetches this URI instead of asking DHCP (Ironic's redfish-https boot).
      ...(device === 'uefihttp' && opts.httpBootUri ? { HttpBootUri: opts.httpBootUri } : {}),
    };
    await this.client.patch(await this.systemPath(), { Boot: boot });
  }

  async insertVirtualMedia(ctx: OperationContext, imageUrl: string): Promise<void> {
    const { path, media } = await this.virtualCd();
    if (media.Inserted === true && media.Image === imageUrl) return; // already there (retried step)
    if (media.Inserted === true) await this.ejectVirtualMedia(ctx);
    const target = actionTarget(media, '#VirtualMedia.InsertMedia') ?? `${path}/Actions/VirtualMedia.InsertMedia`;
    await this.client.post(target, { Image: imageUrl, Inserted: true, WriteProtected: true });
  }

  async ejectVirtualMedia(_ctx?: OperationContext): Promise<void> {
    const { path, media } = await this.virtualCd();
    if (media.Inserted !== true) return;
    const target = actionTarget(media, '#VirtualMedia.EjectMedia') ?? `${path}/Actions/VirtualMedia.EjectMedia`;
    await this.client.post(target, {});
  }

  /**
   * UEFI secure boot on or off via the System's SecureBoot resource (`SecureBootEnable`), as
   * Ironic's redfish management interface does; it applies from the next boot. A BMC without that
   * resource cannot (BMO's webhook refuses UEFISecureBoot on such drivers).
   */
  async setSecureBoot(_ctx: OperationContext, enabled: boolean): Promise<void> {
    const path = id((await this.system()).SecureBoot);
    const resource = path ? await this.client.getOptional(path) : undefined;
    if (!path || !resource) {
      throw new UnsupportedDriverError(`BMC ${this.origin} has no Redfish SecureBoot resource: it cannot turn UEFI secure boot ${enabled ? 'on' : 'off'}`, { origin: this.origin, feature: 'SecureBoot' });
    }
    if (resource.SecureBootEnable === enabled) return; // already so (a retried step)
    await this.client.patch(path, { SecureBootEnable: enabled });
  }

  readFirmwareSettings(): Promise<FirmwareSettingsReading> {
    return this.biosResource.read();
  }

  applyFirmwareSettings(ctx: OperationContext, wanted: Record<string, SettingValue>): Promise<FirmwareSettingsApplied> {
    return this.biosResource.apply(ctx, wanted);
  }

  readFirmwareComponents(): Promise<FirmwareComponentReading[]> {
    return this.biosResource.components();
  }

  updateFirmware(ctx: OperationContext, updates: readonly FirmwareUpdate[]): Promise<FirmwareComponentReading[]> {
    return this.biosResource.update(ctx, updates);
  }

  async inspectOutOfBand(): Promise<HardwareDetails> {
    const system = await this.system();
    let resources = 0;
    const count = (n: number): void => {
      resources += n;
      if (resources > REDFISH_MAX_INSPECTION_RESOURCES) {
        throw new BmcResponseLimitError(`BMC ${this.origin}: inspection would read more than ${REDFISH_MAX_INSPECTION_RESOURCES} resources; refused`, { origin: this.origin, limit: REDFISH_MAX_INSPECTION_RESOURCES });
      }
    };
    // Inventory parts are optional: what the BMC cannot tell is left out, not an error.
    const optional = (path: string): Promise<Json | undefined> => {
      count(1);
      return this.client.getOptional(path, { tolerateServerErrors: true });
    };
    const expand = async (link: unknown): Promise<Json[]> => {
      const path = id(link);
      const collection = path ? await optional(path) : undefined;
      const out: Json[] = [];
      for (const m of this.members(collection?.Members, path)) {
        const item = await optional(m);
        if (item) out.push(item);
      }
      return out;
    };
    const storages = await expand(system.Storage);
    const drives: Json[] = [];
    for (const s of storages) for (const path of this.members(s.Drives, `${id(s) ?? 'a Storage'} Drives`)) {
      const drive = await optional(path);
      if (drive) drives.push(drive);
    }
    const simple = storages.length === 0 ? await expand(system.SimpleStorage) : [];
    const simpleDevices = simple.flatMap((s) => this.entries(s.Devices, `${id(s) ?? 'a SimpleStorage'} Devices`).filter((d) => typeof d.CapacityBytes === 'number'));
    count(simpleDevices.length);
    return hardwareFromRedfish({
      system,
      processors: await expand(system.Processors),
      nics: await expand(system.EthernetInterfaces),
      drives,
      simpleDevices,
    });
  }

  // ---- helpers

  private get origin(): string {
    return this.client.endpoint.origin;
  }

  /** The objects of a Members-like array, refused past REDFISH_MAX_MEMBERS. */
  private entries(list: unknown, where: string | undefined): Json[] {
    if (!Array.isArray(list)) return [];
    if (list.length > REDFISH_MAX_MEMBERS) {
      const at = clip(where ?? 'a collection');
      throw new BmcResponseLimitError(`BMC ${this.origin}: ${at} lists ${list.length} members, more than ${REDFISH_MAX_MEMBERS}; refused`, { origin: this.origin, at, members: list.length, limit: REDFISH_MAX_MEMBERS });
    }
    return list.filter((x): x is Json => x !== null && typeof x === 'object');
  }

  /** The links of a Members-like array (the client refuses any outside the BMC origin). */
  private members(list: unknown, where: string | undefined): string[] {
    return this.entries(list, where).map(id).filter((x): x is string => x !== undefined);
  }

  private async systemPath(): Promise<string> {
    if (this.systemPathCache) return this.systemPathCache;
    const cached = this.discovery?.cache.get(this.discovery.key);
    if (cached) {
      this.systemPathCache = cached;
      this.systemPathFromCache = true;
      return cached;
    }
    const list = this.members((await this.client.get('/redfish/v1/Systems')).Members, '/redfish/v1/Systems');
    if (list.length !== 1) {
      throw new RedfishRequestError(`BMC has ${list.length} systems; put the system path in the BMC address (e.g. .../redfish/v1/Systems/1)`, { systems: list.slice(0, 8).map((p) => clip(p)) });
    }
    this.systemPathCache = list[0];
    if (this.discovery && list[0]) this.discovery.cache.set(this.discovery.key, list[0]);
    return list[0] as string;
  }

  private async system(): Promise<Json> {
    try {
      return await this.client.get(await this.systemPath());
    } catch (err) {
      if (!this.discovery || !(err instanceof BmcAuthenticationError || statusOf(err) === 404)) throw err;
      this.discovery.cache.drop(this.discovery.key);
      if (!this.systemPathFromCache || err instanceof BmcAuthenticationError) throw err;
      // A cached path the BMC no longer has (a reset renumbered its systems): find it again, once.
      this.systemPathCache = undefined;
      this.systemPathFromCache = false;
      return this.client.get(await this.systemPath());
    }
  }

  private async allowedResetTypes(): Promise<string[] | undefined> {
    const action = ((await this.system()).Actions as Json | undefined)?.['#ComputerSystem.Reset'] as Json | undefined;
    const allowed = action?.['ResetType@Redfish.AllowableValues'];
    return Array.isArray(allowed) ? (allowed as string[]) : undefined;
  }

  /** The first reset type the BMC allows (all are tried as allowed when it does not say). */
  private async pick(preferred: string[]): Promise<string> {
    const allowed = await this.allowedResetTypes();
    return preferred.find((t) => !allowed || allowed.includes(t)) ?? (preferred[0] as string);
  }

  private async reset(resetType: string): Promise<void> {
    const system = await this.system();
    const action = (system.Actions as Json | undefined)?.['#ComputerSystem.Reset'] as Json | undefined;
    const target = typeof action?.target === 'string' ? action.target : `${await this.systemPath()}/Actions/ComputerSystem.Reset`;
    await this.client.post(target, { ResetType: resetType });
  }

  private waitPower(ctx: OperationContext, on: boolean, timeoutMs: number, strict = true): Promise<boolean> {
    return waitForPower(ctx, () => this.getPowerState(), on, { timeoutMs, pollMs: this.pollMs, strict });
  }


  /** The virtual CD/DVD device, under the System or else under its Manager. */
  private async virtualCd(): Promise<{ path: string; media: Json }> {
    const system = await this.system();
    let collection = id(system.VirtualMedia);
    if (!collection) {
      const manager = id(((system.Links as Json | undefined)?.ManagedBy as unknown[] | undefined)?.[0]);
      const m = manager ? await this.client.getOptional(manager) : undefined;
      collection = id(m?.VirtualMedia);
    }
    if (!collection) throw new RedfishRequestError('this BMC exposes no VirtualMedia (under the System or its Manager)');
    for (const path of this.members((await this.client.get(collection)).Members, collection)) {
      const media = await this.client.get(path);
      const types = (media.MediaTypes as string[] | undefined) ?? [];
      if (types.includes('CD') || types.includes('DVD')) return { path, media };
    }
    throw new RedfishRequestError('this BMC has no virtual CD/DVD device');
  }
}

function statusOf(err: unknown): unknown {
  return err instanceof RedfishRequestError ? err.context.status : undefined;
}

function actionTarget(resource: Json, action: string): string | undefined {
  const a = (resource.Actions as Json | undefined)?.[action] as Json | undefined;
  return typeof a?.target === 'string' ? a.target : undefined;
}
