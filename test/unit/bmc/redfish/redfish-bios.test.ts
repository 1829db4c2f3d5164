/**
 * BIOS settings and firmware updates against a loopback stub BMC shaped like sushy-tools 2.2.0
 * (its Bios, registry file collection and registry document; the document's Id is the only place
 * the Bios's AttributeRegistry name appears), plus what sushy-tools does not do: pending values
 * that never apply, a failing update task, a registry file named by its `Registry` field, and the
 * caps on what the BMC sends.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBmcAddress } from '../../../../src/api/bmc-address.js';
import type { OperationContext } from '../../../../src/bmc/driver.js';
import { FIRMWARE_MAX_ALLOWABLE_VALUES, FIRMWARE_MAX_ATTRIBUTES, FIRMWARE_MAX_NAME_LENGTH, FIRMWARE_MAX_REGISTRY_ENTRIES, FIRMWARE_MAX_REGISTRY_FILES, FIRMWARE_MAX_VALUE_LENGTH } from '../../../../src/bmc/redfish/redfish-bios.js';
import { RedfishDriver } from '../../../../src/bmc/redfish/redfish-driver.js';
import { BmcResponseLimitError, FirmwareSettingsError, FirmwareUpdateError, UnsupportedDriverError } from '../../../../src/errors.js';

type Res = Record<string, unknown>;
const SYS = '/redfish/v1/Systems/1';
const BIOS = `${SYS}/BIOS`;
const SETTINGS = `${SYS}/BIOS/Settings`;
/** How long the stub's POST takes (appliesInPost). */
const POST_MS = 20;
const REGISTRY_NAME = 'BiosAttributeRegistryP89.v1_0_0';
const ctx: OperationContext = { opId: 'x', heartbeat: () => undefined, signal: new AbortController().signal };

/** The shape of sushy-tools' templates/bios_registry.json (a few of its attributes). */
const registryEntries = (): Res[] => [
  { AttributeName: 'ProcTurboMode', Type: 'Enumeration', ReadOnly: false, Value: [{ ValueDisplayName: 'Enabled', ValueName: 'Enabled' }, { ValueDisplayName: 'Disabled', ValueName: 'Disabled' }] },
  { AttributeName: 'L2Cache', Type: 'String', ReadOnly: false, MaxLength: 16, MinLength: 0, IsSystemUniqueProperty: false },
  { AttributeName: 'NumCores', Type: 'Integer', ReadOnly: true, LowerBound: 10, UpperBound: 20 },
  { AttributeName: 'QuietBoot', Type: 'Boolean', ReadOnly: false },
  { AttributeName: 'SysPassword', Type: 'Password', ReadOnly: false },
  { AttributeName: 'NotReported', Type: 'String' },
];

interface Stub {
  resources: Record<string, Res>;
  requests: Array<{ method: string; url: string; body?: unknown }>;
  /** Pending BIOS values (applied at the next reset unless `stuck`). */
  pending: Res;
  stuck: boolean;
  /**
   * Real hardware (OnReset): a reset does not apply the pending values or flash the firmware; POST
   * does, once the system has stayed On for POST_MS (seen at the next read).
   */
  appliesInPost: boolean;
  /** The BIOS version a SimpleUpdate flashes (in POST when appliesInPost, else at once); undefined: unchanged. */
  flashes: string | undefined;
  url: string;
}

let server: Server | undefined;
afterEach(() => server?.close());

async function stub(opts: { bios?: boolean; registryByFileField?: boolean; attributes?: Res; entries?: Res[]; files?: number; taskStates?: string[] } = {}): Promise<Stub> {
  const attributes: Res = opts.attributes ?? { ProcTurboMode: 'Enabled', L2Cache: '10x256 KB', NumCores: '10', QuietBoot: true, SysPassword: null };
  const taskStates = [...(opts.taskStates ?? ['Running', 'Completed'])];
  const s: Stub = { resources: {}, requests: [], pending: {}, stuck: false, appliesInPost: false, flashes: '1.1.0', url: '' };
  let onSince: number | undefined;
  let flashPending: string | undefined;
  const fileId = opts.registryByFileField ? REGISTRY_NAME : 'BiosAttributeRegistry.v1_0_0';
  const members = Array.from({ length: opts.files ?? 0 }, (_, i) => ({ '@odata.id': `/redfish/v1/Registries/Other${i}` }));
  Object.assign(s.resources, {
    '/redfish/v1': { Registries: { '@odata.id': '/redfish/v1/Registries' }, UpdateService: { '@odata.id': '/redfish/v1/UpdateService' } },
    [SYS]: { PowerState: 'Off', BiosVersion: '1.0.0', Links: { ManagedBy: [{ '@odata.id': '/redfish/v1/Managers/1' }] }, ...(opts.bios === false ? {} : { Bios: { '@odata.id': BIOS } }) },
    '/redfish/v1/Managers/1': { FirmwareVersion: '2.0' },
    [BIOS]: { AttributeRegistry: REGISTRY_NAME, Attributes: attributes, '@Redfish.Settings': { SettingsObject: { '@odata.id': SETTINGS }, SupportedApplyTimes: ['OnReset', 'Immediate'] } },
    '/redfish/v1/Registries': { Members: [{ '@odata.id': '/redfish/v1/Registries/Messages' }, { '@odata.id': '/redfish/v1/Registries/BiosAttributeRegistry.v1_0_0' }, ...members] },
    '/redfish/v1/Registries/Messages': { Id: 'Messages', Registry: 'Messages', Location: [{ Language: 'en', Uri: '/redfish/v1/Registries/Messages/Registry' }] },
    '/redfish/v1/Registries/Messages/Registry': { Id: 'Messages', Messages: {} },
    '/redfish/v1/Registries/BiosAttributeRegistry.v1_0_0': { Id: fileId, Registry: opts.registryByFileField ? 'other' : 'BiosAttributeRegistry1.0', Location: [{ Language: 'en', Uri: '/redfish/v1/Systems/Bios/BiosRegistry' }] },
    '/redfish/v1/Systems/Bios/BiosRegistry': { Id: opts.registryByFileField ? 'unrelated' : REGISTRY_NAME, RegistryEntries: { Attributes: opts.entries ?? registryEntries() } },
    '/redfish/v1/UpdateService': { Actions: { '#UpdateService.SimpleUpdate': { target: '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', 'TransferProtocol@Redfish.AllowableValues': ['HTTP', 'HTTPS'] } } },
  });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = req.url ?? '';
      const parsed = body ? (JSON.parse(body) as Res) : undefined;
      if (req.method !== 'GET') s.requests.push({ method: req.method ?? '', url, ...(parsed ? { body: parsed } : {}) });
      const sys = s.resources[SYS] as Res;
      if (req.method === 'POST' && url === `${SYS}/Actions/ComputerSystem.Reset`) {
        const type = String(parsed?.ResetType);
        sys.PowerState = type === 'ForceOff' || type === 'GracefulShutdown' ? 'Off' : 'On';
        onSince = sys.PowerState === 'On' ? Date.now() : undefined;
        if (!s.stuck && !s.appliesInPost) {
          Object.assign(attributes, s.pending);
          s.pending = {};
        }
        return res.writeHead(204).end();
      }
      if (req.method === 'PATCH' && url === SETTINGS) {
        Object.assign(s.pending, (parsed?.Attributes ?? {}) as Res);
        return res.writeHead(204).end();
      }
      if (req.method === 'POST' && url.endsWith('SimpleUpdate')) {
        if (s.appliesInPost) flashPending = s.flashes;
        else if (s.flashes) sys.BiosVersion = s.flashes;
        return res.writeHead(202, { location: '/redfish/v1/TaskService/Tasks/7' }).end();
      }
      if (req.method === 'GET' && url === '/redfish/v1/TaskService/Tasks/7') {
        const state = taskStates.length > 1 ? taskStates.shift() : taskStates[0];
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ TaskState: state, Messages: [{ Message: 'image signature rejected' }] }));
      }
      if (req.method === 'GET' && s.appliesInPost && onSince !== undefined && Date.now() - onSince >= POST_MS) {
        if (!s.stuck) {
          Object.assign(attributes, s.pending);
          s.pending = {};
        }
        if (flashPending) sys.BiosVersion = flashPending;
        flashPending = undefined;
      }
      if (req.method === 'GET' && url === SETTINGS) return res.writeHead(200).end(JSON.stringify({ Attributes: s.pending }));
      const r = s.resources[url];
      if (!r) return res.writeHead(404).end('{}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(r));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const addr = server.address();
  s.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return s;
}

const driver = (s: Stub): RedfishDriver =>
  new RedfishDriver(parseBmcAddress(`redfish+${s.url}${SYS}`), { username: 'u', password: 'p' }, false, { pollMs: 1, retryDelayMs: 1, firmware: { pollMs: 1, verifyTimeoutMs: 50, taskTimeoutMs: 200, updateSettleMs: 50 } });

describe('Redfish BIOS settings', () => {
  it('reads the attributes and maps the registry (found by the registry document Id, as sushy does) to a FirmwareSchema', async () => {
    const s = await stub();
    const r = await driver(s).readFirmwareSettings();
    expect(r.settings).toEqual({ ProcTurboMode: 'Enabled', L2Cache: '10x256 KB', NumCores: '10', QuietBoot: 'true' });
    expect(r.schema).toEqual({
      ProcTurboMode: { attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'], read_only: false },
      L2Cache: { attribute_type: 'String', max_length: 16, min_length: 0, read_only: false, unique: false },
      NumCores: { attribute_type: 'Integer', lower_bound: 10, upper_bound: 20, read_only: true },
      QuietBoot: { attribute_type: 'Boolean', read_only: false },
    });
    expect(r.schemaName).toMatch(/^schema-[0-9a-f]{8}$/);
  });

  it('finds the registry by the registry file Id when it names it', async () => {
    const s = await stub({ registryByFileField: true });
    expect(Object.keys((await driver(s).readFirmwareSettings()).schema ?? {})).toContain('ProcTurboMode');
  });

  it('applies by PATCH of the settings object with ApplyTime OnReset, power cycles and verifies', async () => {
    const s = await stub();
    const r = await driver(s).applyFirmwareSettings(ctx, { ProcTurboMode: 'Disabled', QuietBoot: 'false' });
    expect(r.changed).toBe(true);
    expect(r.settings.ProcTurboMode).toBe('Disabled');
    expect(s.requests.map((q) => `${q.method} ${q.url}`)).toEqual([`PATCH ${SETTINGS}`, `POST ${SYS}/Actions/ComputerSystem.Reset`, `POST ${SYS}/Actions/ComputerSystem.Reset`]);
    // Typed as the BIOS holds them (QuietBoot is a boolean there); the power left off as found.
    expect(s.requests[0]?.body).toEqual({ Attributes: { ProcTurboMode: 'Disabled', QuietBoot: false }, '@Redfish.SettingsApplyTime': { ApplyTime: 'OnReset' } });
    expect((s.resources[SYS] as Res).PowerState).toBe('Off');
  });

  it('keeps a powered-off host on until POST applied the pending values (real hardware, OnReset), then powers it off again', async () => {
    const s = await stub();
    s.appliesInPost = true;
    const r = await driver(s).applyFirmwareSettings(ctx, { ProcTurboMode: 'Disabled' });
    expect(r.settings.ProcTurboMode).toBe('Disabled');
    expect(s.requests.map((q) => `${q.method} ${q.url} ${String((q.body as Res | undefined)?.ResetType ?? '')}`.trim())).toEqual([`PATCH ${SETTINGS}`, `POST ${SYS}/Actions/ComputerSystem.Reset On`, `POST ${SYS}/Actions/ComputerSystem.Reset ForceOff`]);
    expect((s.resources[SYS] as Res).PowerState).toBe('Off');
  });

  it('restarts a powered-on host and leaves it on', async () => {
    const s = await stub();
    s.appliesInPost = true;
    (s.resources[SYS] as Res).PowerState = 'On';
    const r = await driver(s).applyFirmwareSettings(ctx, { ProcTurboMode: 'Disabled' });
    expect(r.settings.ProcTurboMode).toBe('Disabled');
    expect(s.requests.map((q) => String((q.body as Res | undefined)?.ResetType ?? q.method))).toEqual(['PATCH', 'ForceRestart']);
    expect((s.resources[SYS] as Res).PowerState).toBe('On');
  });

  it('restores the power state when the values never apply', async () => {
    const s = await stub();
    s.appliesInPost = true;
    s.stuck = true;
    const err = await driver(s).applyFirmwareSettings(ctx, { ProcTurboMode: 'Disabled' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareSettingsError);
    expect((s.resources[SYS] as Res).PowerState).toBe('Off');
  });

  it('skips the PATCH and the reboot when every value is already current', async () => {
    const s = await stub();
    const r = await driver(s).applyFirmwareSettings(ctx, { ProcTurboMode: 'Enabled' });
    expect(r.changed).toBe(false);
    expect(s.requests).toEqual([]);
  });

  it('rejects invalid values with BMO texts before touching the BMC', async () => {
    const s = await stub();
    const err = await driver(s).applyFirmwareSettings(ctx, { NumCores: 12, ProcTurboMode: 'Sometimes', Unknown: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareSettingsError);
    expect((err as Error).message).toBe(`BMC ${s.url}: Setting NumCores is invalid, it is ReadOnly; Setting ProcTurboMode is invalid, unknown enumeration value - Sometimes; setting Unknown is not in the Status field`);
    expect(s.requests).toEqual([]);
  });

  it('fails when the values are still not current after the reboot (Ironic unapplied attributes)', async () => {
    const s = await stub();
    s.stuck = true;
    const err = await driver(s).applyFirmwareSettings(ctx, { ProcTurboMode: 'Disabled' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareSettingsError);
    expect((err as Error).message).toBe(`BMC ${s.url}: BIOS settings not applied after the reboot: ProcTurboMode (wanted Disabled, is Enabled)`);
  });

  it('says a BMC without a Bios resource does not support firmware settings', async () => {
    const s = await stub({ bios: false });
    const err = await driver(s).readFirmwareSettings().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedDriverError);
    expect((err as Error).message).toBe(`BMC ${s.url} has no Redfish Bios resource: firmware settings are not supported`);
  });

  it.each([
    ['attributes', { attributes: Object.fromEntries(Array.from({ length: FIRMWARE_MAX_ATTRIBUTES + 1 }, (_, i) => [`A${i}`, 'x'])) }, `more than ${FIRMWARE_MAX_ATTRIBUTES}`],
    ['name length', { attributes: { ['N'.repeat(FIRMWARE_MAX_NAME_LENGTH + 1)]: 'x' } }, `over ${FIRMWARE_MAX_NAME_LENGTH} characters`],
    ['value length', { attributes: { L2Cache: 'v'.repeat(FIRMWARE_MAX_VALUE_LENGTH + 1) } }, `over ${FIRMWARE_MAX_VALUE_LENGTH} characters`],
    ['registry entries', { entries: Array.from({ length: FIRMWARE_MAX_REGISTRY_ENTRIES + 1 }, (_, i) => ({ AttributeName: `A${i}`, Type: 'String' })) }, `more than ${FIRMWARE_MAX_REGISTRY_ENTRIES}`],
    ['allowable values', { entries: [{ AttributeName: 'ProcTurboMode', Type: 'Enumeration', Value: Array.from({ length: FIRMWARE_MAX_ALLOWABLE_VALUES + 1 }, (_, i) => ({ ValueName: `V${i}` })) }] }, `more than ${FIRMWARE_MAX_ALLOWABLE_VALUES}`],
    ['registry files', { files: FIRMWARE_MAX_REGISTRY_FILES }, `more than ${FIRMWARE_MAX_REGISTRY_FILES}`],
  ])('refuses a BMC over the %s cap', async (_what, opts, text) => {
    const s = await stub(opts);
    const err = await driver(s).readFirmwareSettings().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BmcResponseLimitError);
    expect((err as Error).message).toContain(text);
  });
});

describe('Redfish firmware updates (UpdateService SimpleUpdate)', () => {
  it('posts ImageURI and the System as target, polls the task to Completed, power cycles and re-reads the versions', async () => {
    const s = await stub();
    const versions = await driver(s).updateFirmware(ctx, [{ component: 'bios', url: 'https://fw.example/bios-1.1.0.bin' }]);
    expect(s.requests[0]).toEqual({ method: 'POST', url: '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', body: { ImageURI: 'https://fw.example/bios-1.1.0.bin', Targets: [SYS], TransferProtocol: 'HTTPS' } });
    expect(s.requests.slice(1).map((q) => q.url)).toEqual([`${SYS}/Actions/ComputerSystem.Reset`, `${SYS}/Actions/ComputerSystem.Reset`]);
    expect(versions).toEqual([{ component: 'bios', version: '1.1.0' }, { component: 'bmc', version: '2.0' }]);
  });

  it('keeps the host on after the task until the new version shows (flashed in POST), before powering it off', async () => {
    const s = await stub();
    s.appliesInPost = true;
    const versions = await driver(s).updateFirmware(ctx, [{ component: 'bios', url: 'https://fw.example/bios-1.1.0.bin' }]);
    expect(versions).toEqual([{ component: 'bios', version: '1.1.0' }, { component: 'bmc', version: '2.0' }]);
    expect(s.requests.slice(1).map((q) => String((q.body as Res | undefined)?.ResetType))).toEqual(['On', 'ForceOff']);
    expect((s.resources[SYS] as Res).PowerState).toBe('Off');
  });

  it('waits at most updateSettleMs for a version change (same-version reflash), then restores the power', async () => {
    const s = await stub();
    s.appliesInPost = true;
    s.flashes = undefined;
    const started = Date.now();
    const versions = await driver(s).updateFirmware(ctx, [{ component: 'bios', url: 'https://fw.example/bios-1.0.0.bin' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(versions[0]).toEqual({ component: 'bios', version: '1.0.0' });
    expect((s.resources[SYS] as Res).PowerState).toBe('Off');
  });

  it('fails with the task message when the task ends in Exception', async () => {
    const s = await stub({ taskStates: ['Running', 'Exception'] });
    const err = await driver(s).updateFirmware(ctx, [{ component: 'bios', url: 'https://fw.example/b.bin' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareUpdateError);
    expect((err as Error).message).toBe(`BMC ${s.url}: the bios firmware update ended Exception: image signature rejected`);
  });

  it('fails when the task does not finish in time', async () => {
    const s = await stub({ taskStates: ['Running'] });
    const err = await driver(s).updateFirmware(ctx, [{ component: 'bios', url: 'https://fw.example/b.bin' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareUpdateError);
    expect((err as Error).message).toContain('did not finish within 200 ms');
  });

  it('says NIC firmware is not addressed by the redfish driver', async () => {
    const s = await stub();
    const err = await driver(s).updateFirmware(ctx, [{ component: 'nic:1', url: 'https://fw.example/n.bin' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedDriverError);
    expect((err as Error).message).toBe(`BMC ${s.url}: firmware updates of component nic:1 are not supported by the redfish driver`);
  });
});
