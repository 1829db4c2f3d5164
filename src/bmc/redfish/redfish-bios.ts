/**
 * BIOS settings and firmware updates over Redfish, as Ironic's redfish `bios` and `firmware`
 * interfaces do them (ironic/drivers/modules/redfish/bios.py, firmware.py, through sushy):
 * - read: System.Bios → Attributes; the AttributeRegistry found as sushy finds it (a registry
 *   file whose `Registry` or `Id` is the name, else the registry document whose own `Id` is: the
 *   file's URL is never matched) → one FirmwareSchema entry per attribute the BIOS reports;
 * - apply: validate against that schema (BMO's texts), skip when every value is already current,
 *   PATCH the `@Redfish.Settings` object (ApplyTime OnReset where supported), power on (or restart
 *   a host that is on), re-read while it stays on (POST applies pending settings) and fail on what
 *   was not applied (Ironic's `_get_unapplied_bios_attrs`), then restore the power state found;
 * - update: UpdateService SimpleUpdate {ImageURI, Targets}, the task monitor polled to its end,
 *   power on (or restart), the versions re-read while on until the updated ones change (at most
 *   FIRMWARE_UPDATE_SETTLE_MS: a same-version reflash shows none), then the power state restored.
 * Everything read from the BMC is capped (below) before it reaches status and workflow history.
 */
import { changedSettings, validateFirmwareSettings, type FirmwareSchemaMap, type FirmwareUpdate, type SettingSchema, type SettingValue } from '../../api/firmware.js';
import { BmcResponseLimitError, FirmwareSettingsError, FirmwareUpdateError, UnsupportedDriverError } from '../../errors.js';
import { clip } from '../../net/peer-request.js';
import type { FirmwareComponentReading, FirmwareSettingsApplied, FirmwareSettingsReading, OperationContext } from '../driver.js';
import { firmwareSchemaName } from '../firmware-schema-name.js';
import type { Json, RedfishClient } from './redfish-client.js';

/** Most BIOS attributes read (real BIOSes report a few hundred to ~1500). */
export const FIRMWARE_MAX_ATTRIBUTES = 4096;
/** Most entries read from an attribute registry (it also lists attributes the BIOS does not report). */
export const FIRMWARE_MAX_REGISTRY_ENTRIES = 16384;
/** Registry files whose registry document is read while looking for the BIOS's one. */
export const FIRMWARE_MAX_REGISTRY_FILES = 32;
/** Longest attribute name accepted. */
export const FIRMWARE_MAX_NAME_LENGTH = 256;
/** Longest attribute value (and allowable value, version) accepted. */
export const FIRMWARE_MAX_VALUE_LENGTH = 1024;
/** Most allowable values of one Enumeration attribute. */
export const FIRMWARE_MAX_ALLOWABLE_VALUES = 512;
/** How long a firmware update task may run (Ironic waits on the task monitor likewise). */
export const FIRMWARE_TASK_TIMEOUT_MS = 60 * 60_000;
/** How long after the reboot the BIOS may take to show the applied settings. */
export const FIRMWARE_VERIFY_TIMEOUT_MS = 10 * 60_000;
export const FIRMWARE_POLL_MS = 5_000;
/** How long after the task and the restart the host stays on for the updated versions to show (a flash may finish in POST). */
export const FIRMWARE_UPDATE_SETTLE_MS = 5 * 60_000;

export interface RedfishBiosOptions {
  taskTimeoutMs?: number;
  verifyTimeoutMs?: number;
  updateSettleMs?: number;
  pollMs?: number;
}

/** What the Bios resource needs from its driver: the system and its power. */
export interface BiosHost {
  client: RedfishClient;
  systemPath(): Promise<string>;
  poweredOn(): Promise<boolean>;
  /** Powers on, or hard-restarts a host that is on: pending BIOS settings and firmware apply in POST. */
  restart(ctx: OperationContext): Promise<void>;
  /** Hard power off (restoring a host found off). */
  powerOff(ctx: OperationContext): Promise<void>;
}

type Scalar = string | number | boolean;

const id = (v: unknown): string | undefined => (v && typeof v === 'object' && typeof (v as Json)['@odata.id'] === 'string' ? ((v as Json)['@odata.id'] as string) : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

export class RedfishBios {
  private readonly taskTimeoutMs: number;
  private readonly verifyTimeoutMs: number;
  private readonly updateSettleMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly host: BiosHost,
    opts: RedfishBiosOptions = {},
  ) {
    this.taskTimeoutMs = opts.taskTimeoutMs ?? FIRMWARE_TASK_TIMEOUT_MS;
    this.verifyTimeoutMs = opts.verifyTimeoutMs ?? FIRMWARE_VERIFY_TIMEOUT_MS;
    this.updateSettleMs = opts.updateSettleMs ?? FIRMWARE_UPDATE_SETTLE_MS;
    this.pollMs = opts.pollMs ?? FIRMWARE_POLL_MS;
  }

  private get origin(): string {
    return this.host.client.endpoint.origin;
  }

  async read(): Promise<FirmwareSettingsReading> {
    const bios = await this.bios();
    const attributes = this.attributes(bios.json.Attributes, 'Bios Attributes');
    const settings = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, String(v)]));
    const registry = typeof bios.json.AttributeRegistry === 'string' ? bios.json.AttributeRegistry : undefined;
    const schema = registry ? await this.schema(registry, attributes) : undefined;
    return { settings, ...(schema ? { schema, schemaName: firmwareSchemaName(schema) } : {}) };
  }

  async apply(ctx: OperationContext, wanted: Record<string, SettingValue>): Promise<FirmwareSettingsApplied> {
    const before = await this.read();
    const errors = validateFirmwareSettings(wanted, before.settings, before.schema);
    if (errors.length > 0) throw new FirmwareSettingsError(`BMC ${this.origin}: ${errors.join('; ')}`, { origin: this.origin, errors });
    const bios = await this.bios();
    const settingsPath = id((bios.json['@Redfish.Settings'] as Json | undefined)?.SettingsObject) ?? bios.path;
    const pending = settingsPath !== bios.path ? await this.pending(settingsPath) : {};
    const changes = changedSettings(wanted, before.settings);
    for (const [k, v] of Object.entries(wanted)) if (Object.hasOwn(pending, k) && String(pending[k]) !== String(v)) changes[k] = v;
    if (Object.keys(changes).length === 0) return { ...before, changed: false }; // Ironic: nothing to apply, no reboot
    const current = this.attributes(bios.json.Attributes, 'Bios Attributes');
    const typed = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, asTypeOf(v, current[k], before.schema?.[k])]));
    const applyTimes = (bios.json['@Redfish.Settings'] as Json | undefined)?.SupportedApplyTimes;
    const onReset = Array.isArray(applyTimes) && applyTimes.includes('OnReset');
    const wasOn = await this.host.poweredOn();
    await this.host.client.patch(settingsPath, { Attributes: typed, ...(onReset ? { '@Redfish.SettingsApplyTime': { ApplyTime: 'OnReset' } } : {}) });
    await this.host.restart(ctx);
    const after = await this.thenRestorePower(ctx, wasOn, () => this.verified(ctx, wanted, settingsPath !== bios.path ? settingsPath : undefined));
    return { ...after, changed: true };
  }

  /** `bios` (System BiosVersion) and `bmc` (its Manager's FirmwareVersion), where reported. */
  async components(): Promise<FirmwareComponentReading[]> {
    const system = await this.host.client.get(await this.host.systemPath());
    const out: FirmwareComponentReading[] = [];
    if (typeof system.BiosVersion === 'string' && system.BiosVersion !== '') out.push({ component: 'bios', version: this.value(system.BiosVersion, 'BiosVersion') });
    const manager = id(((system.Links as Json | undefined)?.ManagedBy as unknown[] | undefined)?.[0]);
    const m = manager ? await this.host.client.getOptional(manager, { tolerateServerErrors: true }) : undefined;
    if (typeof m?.FirmwareVersion === 'string' && m.FirmwareVersion !== '') out.push({ component: 'bmc', version: this.value(m.FirmwareVersion, 'FirmwareVersion') });
    return out;
  }

  async update(ctx: OperationContext, updates: readonly FirmwareUpdate[]): Promise<FirmwareComponentReading[]> {
    if (updates.length === 0) return this.components();
    const service = await this.host.client.getOptional('/redfish/v1/UpdateService');
    const action = (service?.Actions as Json | undefined)?.['#UpdateService.SimpleUpdate'] as Json | undefined;
    if (!service || typeof action?.target !== 'string') {
      throw new UnsupportedDriverError(`BMC ${this.origin} has no Redfish UpdateService SimpleUpdate: firmware updates are not supported`, { origin: this.origin, feature: 'UpdateService' });
    }
    const protocols = action['TransferProtocol@Redfish.AllowableValues'];
    const wasOn = await this.host.poweredOn();
    const before = await this.components();
    for (const u of updates) {
      const target = await this.updateTarget(u.component);
      const scheme = URL.canParse(u.url) ? new URL(u.url).protocol.replace(/:$/, '').toUpperCase() : '';
      const protocol = Array.isArray(protocols) && protocols.includes(scheme) ? { TransferProtocol: scheme } : {};
      const started = await this.host.client.postAction(action.target, { ImageURI: u.url, Targets: [target], ...protocol });
      if (started.location) await this.waitTask(ctx, started.location, u.component);
    }
    await this.host.restart(ctx);
    return this.thenRestorePower(ctx, wasOn, () => this.settled(ctx, updates, before));
  }

  /** Runs `step` with the host on, then powers a host found off back off (also when the step fails). */
  private async thenRestorePower<T>(ctx: OperationContext, wasOn: boolean, step: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await step();
    } catch (err) {
      if (!wasOn) await this.host.powerOff(ctx).catch(() => undefined); // the step's error is the one reported
      throw err;
    }
    if (!wasOn) await this.host.powerOff(ctx);
    return result;
  }

  /** The versions once every updated component reports a new one, or after updateSettleMs (same-version reflash). */
  private async settled(ctx: OperationContext, updates: readonly FirmwareUpdate[], before: readonly FirmwareComponentReading[]): Promise<FirmwareComponentReading[]> {
    const deadline = Date.now() + this.updateSettleMs;
    const was = new Map(before.map((c) => [c.component, c.version]));
    for (;;) {
      const now = await this.components();
      const version = new Map(now.map((c) => [c.component, c.version]));
      if (updates.every((u) => !was.has(u.component) || version.get(u.component) !== was.get(u.component)) || Date.now() >= deadline) return now;
      await pause(ctx, this.pollMs);
    }
  }

  // ---- helpers

  private async bios(): Promise<{ path: string; json: Json }> {
    const system = await this.host.client.get(await this.host.systemPath());
    const path = id(system.Bios);
    const json = path ? await this.host.client.getOptional(path) : undefined;
    if (!path || !json) throw new UnsupportedDriverError(`BMC ${this.origin} has no Redfish Bios resource: firmware settings are not supported`, { origin: this.origin, feature: 'Bios' });
    return { path, json };
  }

  private async pending(settingsPath: string): Promise<Record<string, Scalar>> {
    const settings = await this.host.client.getOptional(settingsPath);
    return settings ? this.attributes(settings.Attributes, 'Bios settings Attributes') : {};
  }

  /** Re-reads until every wanted value is current and none is still pending (Ironic's unapplied rule). */
  private async verified(ctx: OperationContext, wanted: Record<string, SettingValue>, settingsPath: string | undefined): Promise<FirmwareSettingsReading> {
    const deadline = Date.now() + this.verifyTimeoutMs;
    for (;;) {
      const now = await this.read();
      const pending = settingsPath ? await this.pending(settingsPath) : {};
      // Pending values count only when the BMC keeps no more of them than were asked (Dell-style): others echo every attribute there.
      const pendingCounts = Object.keys(pending).length <= Object.keys(wanted).length;
      const unapplied = Object.entries(wanted).filter(([k, v]) => now.settings[k] !== String(v) || (pendingCounts && Object.hasOwn(pending, k)));
      if (unapplied.length === 0) return now;
      if (Date.now() >= deadline) {
        const names = unapplied.map(([k]) => k);
        throw new FirmwareSettingsError(`BMC ${this.origin}: BIOS settings not applied after the reboot: ${names.map((k) => `${k} (wanted ${String(wanted[k])}, is ${now.settings[k] ?? 'absent'})`).join(', ')}`, { origin: this.origin, unapplied: names });
      }
      await pause(ctx, this.pollMs);
    }
  }

  /** A Bios Attributes object: scalar values only, capped in count and length. */
  private attributes(raw: unknown, where: string): Record<string, Scalar> {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
    const entries = Object.entries(raw as Json);
    if (entries.length > FIRMWARE_MAX_ATTRIBUTES) this.limit(`${where} lists ${entries.length} attributes, more than ${FIRMWARE_MAX_ATTRIBUTES}`, FIRMWARE_MAX_ATTRIBUTES);
    const out: Record<string, Scalar> = {};
    for (const [k, v] of entries) {
      this.name(k);
      if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
      else if (typeof v === 'string') out[k] = this.value(v, k);
      // null (unset) and structured values are not settings
    }
    return out;
  }

  private name(k: string): string {
    if (k.length > FIRMWARE_MAX_NAME_LENGTH) this.limit(`an attribute name is over ${FIRMWARE_MAX_NAME_LENGTH} characters (${clip(k)})`, FIRMWARE_MAX_NAME_LENGTH);
    return k;
  }

  private value(v: string, k: string): string {
    if (v.length > FIRMWARE_MAX_VALUE_LENGTH) this.limit(`the value of ${clip(k)} is over ${FIRMWARE_MAX_VALUE_LENGTH} characters`, FIRMWARE_MAX_VALUE_LENGTH);
    return v;
  }

  private limit(what: string, limit: number): never {
    throw new BmcResponseLimitError(`BMC ${this.origin}: ${what}; refused`, { origin: this.origin, limit });
  }

  /** The FirmwareSchema of the attributes the BIOS reports, from its registry; undefined when the BMC has none (tolerated, as Ironic). */
  private async schema(registry: string, attributes: Record<string, Scalar>): Promise<FirmwareSchemaMap | undefined> {
    const document = await this.registryDocument(registry);
    const entries = ((document?.RegistryEntries as Json | undefined)?.Attributes as unknown[] | undefined) ?? [];
    if (!Array.isArray(entries)) return undefined;
    if (entries.length > FIRMWARE_MAX_REGISTRY_ENTRIES) this.limit(`the attribute registry ${clip(registry)} lists ${entries.length} attributes, more than ${FIRMWARE_MAX_REGISTRY_ENTRIES}`, FIRMWARE_MAX_REGISTRY_ENTRIES);
    if (!document) return undefined;
    const schema: FirmwareSchemaMap = {};
    for (const e of entries) {
      if (!e || typeof e !== 'object') continue;
      const a = e as Json;
      const name = typeof a.AttributeName === 'string' ? a.AttributeName : undefined;
      if (!name || !Object.hasOwn(attributes, name)) continue; // Ironic keeps only what the BIOS reports
      schema[name] = this.settingSchema(a, name);
    }
    return schema;
  }

  /** Ironic's registry_fields, Redfish names → FirmwareSchema's snake_case ones. */
  private settingSchema(a: Json, name: string): SettingSchema {
    const values = Array.isArray(a.Value) ? a.Value : [];
    if (values.length > FIRMWARE_MAX_ALLOWABLE_VALUES) this.limit(`${clip(name)} has ${values.length} allowable values, more than ${FIRMWARE_MAX_ALLOWABLE_VALUES}`, FIRMWARE_MAX_ALLOWABLE_VALUES);
    const allowable = values
      .map((v) => (v && typeof v === 'object' ? ((v as Json).ValueName ?? (v as Json).ValueDisplayName) : undefined))
      .filter((v): v is string => typeof v === 'string')
      .map((v) => this.value(v, name));
    const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
    const s: SettingSchema = {
      ...(typeof a.Type === 'string' ? { attribute_type: this.value(a.Type, name) } : {}),
      ...(a.Type === 'Enumeration' ? { allowable_values: allowable } : {}),
      ...(int(a.LowerBound) !== undefined ? { lower_bound: int(a.LowerBound) } : {}),
      ...(int(a.UpperBound) !== undefined ? { upper_bound: int(a.UpperBound) } : {}),
      ...(int(a.MinLength) !== undefined ? { min_length: int(a.MinLength) } : {}),
      ...(int(a.MaxLength) !== undefined ? { max_length: int(a.MaxLength) } : {}),
      ...(bool(a.ReadOnly) !== undefined ? { read_only: bool(a.ReadOnly) } : {}),
      ...(bool(a.ResetRequired) !== undefined ? { reset_required: bool(a.ResetRequired) } : {}),
      ...(bool(a.IsSystemUniqueProperty) !== undefined ? { unique: bool(a.IsSystemUniqueProperty) } : {}),
    };
    return s;
  }

  /**
   * The registry document named `registry`, as sushy finds it: a registry file whose `Registry` or
   * `Id` is the name, else any file's document whose own `Id` is (sushy-tools names its BIOS's
   * registry only there). At most FIRMWARE_MAX_REGISTRY_FILES files are read.
   */
  private async registryDocument(registry: string): Promise<Json | undefined> {
    const root = await this.host.client.get('/redfish/v1');
    const collectionPath = id(root.Registries);
    const collection = collectionPath ? await this.host.client.getOptional(collectionPath, { tolerateServerErrors: true }) : undefined;
    const members = Array.isArray(collection?.Members) ? collection.Members : [];
    if (members.length > FIRMWARE_MAX_REGISTRY_FILES) this.limit(`${collectionPath ?? 'Registries'} lists ${members.length} registry files, more than ${FIRMWARE_MAX_REGISTRY_FILES}`, FIRMWARE_MAX_REGISTRY_FILES);
    const files: Json[] = [];
    for (const m of members) {
      const path = id(m);
      const file = path ? await this.host.client.getOptional(path, { tolerateServerErrors: true }) : undefined;
      if (file) files.push(file);
    }
    const location = (file: Json): string | undefined => {
      const list = Array.isArray(file.Location) ? (file.Location as unknown[]).filter((l): l is Json => Boolean(l) && typeof l === 'object') : [];
      const chosen = list.find((l) => typeof l.Language === 'string' && l.Language.toLowerCase().split('-')[0] === 'en') ?? list[0];
      return typeof chosen?.Uri === 'string' ? chosen.Uri : undefined;
    };
    const load = async (file: Json): Promise<Json | undefined> => {
      const uri = location(file);
      return uri ? this.host.client.getOptional(uri, { tolerateServerErrors: true }) : undefined;
    };
    const named = files.find((f) => f.Registry === registry || f.Id === registry);
    if (named) return load(named);
    for (const f of files) {
      const doc = await load(f);
      if (doc?.Id === registry) return doc;
    }
    return undefined;
  }

  /** SimpleUpdate Targets: the System for `bios`, its Manager for `bmc`; NIC firmware is not addressed this way. */
  private async updateTarget(component: string): Promise<string> {
    const systemPath = await this.host.systemPath();
    if (component === 'bios') return systemPath;
    if (component === 'bmc') {
      const system = await this.host.client.get(systemPath);
      const manager = id(((system.Links as Json | undefined)?.ManagedBy as unknown[] | undefined)?.[0]);
      if (manager) return manager;
    }
    throw new UnsupportedDriverError(`BMC ${this.origin}: firmware updates of component ${clip(component)} are not supported by the redfish driver`, { origin: this.origin, component: clip(component) });
  }

  /** Polls the task monitor until the task ends; an Exception/Killed/Cancelled task or the deadline fails the update. */
  private async waitTask(ctx: OperationContext, monitor: string, component: string): Promise<void> {
    const deadline = Date.now() + this.taskTimeoutMs;
    for (;;) {
      const task = await this.host.client.get(monitor);
      const state = typeof task.TaskState === 'string' ? task.TaskState : '';
      if (state === 'Completed') return;
      if (['Exception', 'Killed', 'Cancelled'].includes(state)) {
        const messages = Array.isArray(task.Messages) ? (task.Messages as unknown[]) : [];
        const first = messages[0] && typeof messages[0] === 'object' ? (messages[0] as Json).Message : undefined;
        throw new FirmwareUpdateError(`BMC ${this.origin}: the ${clip(component)} firmware update ended ${state}${typeof first === 'string' ? `: ${clip(first)}` : ''}`, { origin: this.origin, component: clip(component), state });
      }
      if (Date.now() >= deadline) throw new FirmwareUpdateError(`BMC ${this.origin}: the ${clip(component)} firmware update did not finish within ${this.taskTimeoutMs} ms (task ${clip(state || 'state unknown')})`, { origin: this.origin, component: clip(component) });
      await pause(ctx, this.pollMs);
    }
  }
}

/**
 * The value as the BIOS holds it: a number or boolean where the current value (or the schema) is
 * one, else a string (BMO's IntOrString sends "true"; a BIOS that reports a boolean wants one).
 */
function asTypeOf(v: SettingValue, current: Scalar | undefined, schema: SettingSchema | undefined): Scalar {
  const text = String(v);
  if (typeof current === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  if ((typeof current === 'number' || (current === undefined && schema?.attribute_type === 'Integer')) && /^[+-]?\d+$/.test(text)) return Number(text);
  return typeof current === 'string' ? text : v;
}

async function pause(ctx: OperationContext, ms: number): Promise<void> {
  ctx.signal.throwIfAborted();
  ctx.heartbeat();
  await new Promise((r) => setTimeout(r, ms));
}
