/**
 * The `fake` driver (Ironic's fake-hardware, for tests, demos and scale runs; never a default): an
 * in-process BMC plus agent that keeps each host's machine state in a JSON file, so it survives a
 * worker crash exactly like real hardware would. Every state-changing call is keyed by the
 * workflow's operation id: a retried activity resumes or returns the recorded outcome instead of
 * doing the work again, and `effects` lists each applied operation once.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { RaidCleanStep, TargetRaidConfig } from '../../api/raid.js';
import type { HardwareDetails } from '../../api/types.js';
import type { AgentDriver, DeployRequest } from '../../agent/driver.js';
import type { RebootMode } from '../../api/types.js';
import { BmcUnreachableError, CleaningFailedError, DeployFailedError, FirmwareSettingsError, FirmwareUpdateError, InspectionFailedError, PowerControlError } from '../../errors.js';
import { changedSettings, validateFirmwareSettings, type FirmwareSchemaMap, type FirmwareUpdate, type SettingValue } from '../../api/firmware.js';
import type { BmcDriver, BootDevice, FirmwareComponentReading, FirmwareSettingsApplied, FirmwareSettingsReading, OperationContext } from '../driver.js';
import { firmwareSchemaName } from '../firmware-schema-name.js';
import type { FakeOptions, FakeStep } from '../../api/fake-annotations.js';

interface FakeOperation {
  step: FakeStep;
  startedAt: number;
  durationMs: number;
  status: 'running' | 'done' | 'failed';
  error?: string;
}

export interface FakeMachineState {
  poweredOn: boolean;
  bootDevice: BootDevice;
  disks: Array<{ name: string; serialNumber: string; sizeBytes: number; partitionTable: boolean; image?: string; configDrive?: boolean }>;
  /** Operations started per step, to fail the first N of a step. */
  started: Partial<Record<FakeStep, number>>;
  ops: Record<string, FakeOperation>;
  /** Applied effects in order: one entry per operation id, ever. */
  effects: Array<{ opId: string; step: FakeStep; what: string }>;
  /** BIOS attributes and firmware versions (absent in state files from before they were emulated). */
  bios?: { attributes: Record<string, string>; versions: Record<string, string> };
}

/** The fake BIOS's attribute registry, shaped like sushy-tools' (a few of its attributes). */
export const FAKE_BIOS_SCHEMA: FirmwareSchemaMap = {
  BootMode: { attribute_type: 'Enumeration', allowable_values: ['Bios', 'Uefi'], read_only: false },
  NumCores: { attribute_type: 'Integer', lower_bound: 1, upper_bound: 64, read_only: true },
  ProcTurboMode: { attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'], read_only: false },
  QuietBoot: { attribute_type: 'Boolean', read_only: false },
  SerialNumber: { attribute_type: 'String', min_length: 0, max_length: 16, read_only: false, unique: true },
  SysPassword: { attribute_type: 'Password', read_only: false },
};

export class FakeHardware implements BmcDriver, AgentDriver {
  private readonly file: string;

  constructor(
    stateDir: string,
    private readonly hostKey: string,
    private readonly options: FakeOptions,
  ) {
    mkdirSync(stateDir, { recursive: true });
    this.file = stateFile(stateDir, hostKey);
  }

  /** The machine's state as the fake knows it (tests read this to prove no step ran twice). */
  static read(stateDir: string, hostKey: string): FakeMachineState | undefined {
    const file = stateFile(stateDir, hostKey);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FakeMachineState) : undefined;
  }

  async register(ctx: OperationContext): Promise<{ poweredOn: boolean }> {
    await this.operation(ctx, 'register', () => 'registered', (msg) => new BmcUnreachableError(msg));
    return { poweredOn: this.load().poweredOn };
  }

  async getPowerState(): Promise<boolean> {
    return this.load().poweredOn;
  }

  async setPower(ctx: OperationContext, on: boolean): Promise<void> {
    await this.operation(ctx, 'power', (s) => {
      s.poweredOn = on;
      return on ? 'power on' : 'power off';
    }, (msg) => new PowerControlError(msg));
  }

  async reboot(ctx: OperationContext, mode: RebootMode): Promise<void> {
    await this.operation(ctx, 'power', (s) => {
      s.poweredOn = true;
      return `reboot (${mode})`;
    }, (msg) => new PowerControlError(msg));
  }

  async setBootDevice(ctx: OperationContext, device: BootDevice): Promise<void> {
    await this.operation(ctx, 'power', (s) => {
      s.bootDevice = device;
      return `boot device ${device}`;
    }, (msg) => new PowerControlError(msg));
  }

  async inspect(ctx: OperationContext, _mode: 'agent' | 'fast' = 'agent'): Promise<HardwareDetails> {
    await this.operation(ctx, 'inspect', () => 'inspected', (msg) => new InspectionFailedError(msg));
    return this.inventory();
  }

  async clean(ctx: OperationContext, _mode: 'metadata' = 'metadata'): Promise<void> {
    await this.operation(ctx, 'clean', (s) => {
      for (const d of s.disks) {
        d.partitionTable = false;
        delete d.image;
        delete d.configDrive;
      }
      return 'erased partition tables';
    }, (msg) => new CleaningFailedError(msg));
  }

  /** Software RAID as manual cleaning (the `clean` step's duration and failures): records the steps and the volumes. */
  async configureRaid(ctx: OperationContext, steps: RaidCleanStep[], config: TargetRaidConfig): Promise<void> {
    await this.operation(ctx, 'clean', (s) => {
      if (steps.some((x) => x.step === 'erase_devices_metadata')) for (const d of s.disks) d.partitionTable = false;
      const made = config.logical_disks.map((d, i) => `md${i} RAID-${d.raid_level} ${d.size_gb === 'MAX' ? 'MAX' : `${d.size_gb} GiB`}`);
      return `raid: ${steps.map((x) => `${x.interface}.${x.step}`).join(', ')}${made.length > 0 && steps.some((x) => x.step === 'create_configuration') ? ` → ${made.join(', ')}` : ''}`;
    }, (msg) => new CleaningFailedError(msg));
  }

  async deploy(ctx: OperationContext, request: DeployRequest): Promise<void> {
    await this.operation(ctx, 'deploy', (s) => {
      const disk = s.disks[0];
      if (!disk) throw new DeployFailedError('no disk');
      disk.partitionTable = true;
      disk.image = request.image.url;
      disk.configDrive = request.configDrive !== undefined;
      s.bootDevice = 'disk';
      s.poweredOn = true;
      return `wrote ${request.image.url} to ${disk.name}`;
    }, (msg) => new DeployFailedError(msg));
  }

  async readFirmwareSettings(): Promise<FirmwareSettingsReading> {
    const { attributes } = this.bios(this.load());
    return { settings: { ...attributes }, schema: FAKE_BIOS_SCHEMA, schemaName: firmwareSchemaName(FAKE_BIOS_SCHEMA) };
  }

  /** Validated like a Redfish BIOS; applied (with a power cycle that leaves the power as found) only when something changes. */
  async applyFirmwareSettings(ctx: OperationContext, wanted: Record<string, SettingValue>): Promise<FirmwareSettingsApplied> {
    const before = await this.readFirmwareSettings();
    const errors = validateFirmwareSettings(wanted, before.settings, before.schema);
    if (errors.length > 0) throw new FirmwareSettingsError(`BMC fake: ${errors.join('; ')}`, { errors });
    const changes = changedSettings(wanted, before.settings);
    if (Object.keys(changes).length === 0) return { ...before, changed: false };
    await this.operation(ctx, 'firmware', (s) => {
      const bios = this.bios(s);
      for (const [k, v] of Object.entries(changes)) bios.attributes[k] = String(v);
      s.bios = bios;
      return `bios settings ${Object.entries(changes).map(([k, v]) => `${k}=${String(v)}`).join(',')}`;
    }, (msg) => new FirmwareSettingsError(msg));
    return { ...(await this.readFirmwareSettings()), changed: true };
  }

  async readFirmwareComponents(): Promise<FirmwareComponentReading[]> {
    return Object.entries(this.bios(this.load()).versions).map(([component, version]) => ({ component, version }));
  }

  /** Bumps each component's minor version, as sushy-tools' SimpleUpdate does (no image is fetched). */
  async updateFirmware(ctx: OperationContext, updates: readonly FirmwareUpdate[]): Promise<FirmwareComponentReading[]> {
    await this.operation(ctx, 'firmware', (s) => {
      const bios = this.bios(s);
      for (const u of updates) {
        const [major = '1', minor = '0', ...rest] = (bios.versions[u.component] ?? '1.0.0').split('.');
        bios.versions[u.component] = [major, String(Number(minor) + 1), ...rest].join('.');
      }
      s.bios = bios;
      return `flashed ${updates.map((u) => `${u.component} from ${u.url}`).join(', ')}`;
    }, (msg) => new FirmwareUpdateError(msg));
    return this.readFirmwareComponents();
  }

  async forget(_ctx?: OperationContext): Promise<void> {
    rmSync(this.file, { force: true });
  }

  private inventory(): HardwareDetails {
    const s = this.load();
    const h = createHash('sha256').update(this.hostKey).digest();
    const mac = ['52', '54', '00', ...[0, 1, 2].map((i) => (h[i] ?? 0).toString(16).padStart(2, '0'))].join(':');
    return {
      systemVendor: { manufacturer: 'metalflow', productName: 'fake-hardware', serialNumber: h.subarray(0, 6).toString('hex') },
      firmware: { bios: { vendor: 'metalflow', version: '1.0', date: '2026-01-01' } },
      ramMebibytes: 16384 * (1 + ((h[3] ?? 0) % 4)),
      cpu: { arch: 'x86_64', model: 'Fake CPU', clockMegahertz: 2400, count: 4 * (1 + ((h[4] ?? 0) % 4)), flags: ['vmx'] },
      nics: [{ name: 'eth0', mac, pxe: true, speedGbps: 10, model: '0x1af4 0x0001' }],
      storage: s.disks.map((d) => ({ name: d.name, alternateNames: [d.name], sizeBytes: d.sizeBytes, serialNumber: d.serialNumber, type: 'SSD' as const, rotational: false, model: 'Fake Disk', vendor: 'metalflow' })),
      hostname: this.hostKey,
    };
  }

  private bios(s: FakeMachineState): NonNullable<FakeMachineState['bios']> {
    const h = createHash('sha256').update(this.hostKey).digest('hex');
    return s.bios ?? { attributes: { BootMode: 'Uefi', NumCores: '8', ProcTurboMode: 'Enabled', QuietBoot: 'true', SerialNumber: `FAKE${h.slice(0, 8)}`, SysPassword: '' }, versions: { bios: '1.0.0', bmc: '1.0.0' } };
  }

  private initial(): FakeMachineState {
    const h = createHash('sha256').update(this.hostKey).digest('hex');
    return {
      poweredOn: false,
      bootDevice: 'disk',
      disks: [
        { name: '/dev/sda', serialNumber: `FAKE-${h.slice(0, 8)}-1`, sizeBytes: 480 * 2 ** 30, partitionTable: true },
        { name: '/dev/sdb', serialNumber: `FAKE-${h.slice(0, 8)}-2`, sizeBytes: 960 * 2 ** 30, partitionTable: false },
      ],
      started: {},
      ops: {},
      effects: [],
    };
  }

  private load(): FakeMachineState {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as FakeMachineState) : this.initial();
  }

  private save(state: FakeMachineState): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 1));
    renameSync(tmp, this.file);
  }

  /**
   * Runs one idempotent operation: the first call records it and (after its duration) applies the
   * effect; later calls with the same opId wait for the recorded end or return the recorded outcome.
   */
  private async operation(
    ctx: OperationContext,
    step: FakeStep,
    effect: (s: FakeMachineState) => string,
    failure: (message: string) => Error,
  ): Promise<void> {
    let state = this.load();
    let op = state.ops[ctx.opId];
    if (!op) {
      const nth = (state.started[step] ?? 0) + 1;
      state.started[step] = nth;
      const failing = nth <= (this.options.failures[step] ?? 0);
      op = { step, startedAt: Date.now(), durationMs: this.options.durationsMs[step], status: 'running' };
      if (failing) op.error = `injected ${step} failure ${nth} of ${this.options.failures[step]}`;
      state.ops[ctx.opId] = op;
      this.save(state);
    }
    await waitUntil(op.startedAt + op.durationMs, ctx);
    state = this.load();
    op = state.ops[ctx.opId];
    if (!op) throw failure(`operation ${ctx.opId} vanished (host forgotten)`);
    if (op.status === 'running') {
      if (op.error) op.status = 'failed';
      else {
        const what = effect(state);
        state.effects.push({ opId: ctx.opId, step, what });
        op.status = 'done';
      }
      this.save(state);
    }
    if (op.status === 'failed') throw failure(op.error ?? `${step} failed`);
  }
}

function stateFile(stateDir: string, hostKey: string): string {
  return join(stateDir, `${hostKey.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

async function waitUntil(deadline: number, ctx: OperationContext): Promise<void> {
  for (;;) {
    ctx.signal.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0) return;
    ctx.heartbeat();
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, 1000)));
  }
}
