/**
 * IPMI BMC driver (ipmi:// and bare host:port), the commands Ironic's ipmitool driver sends:
 * `power status|on|off|soft|reset|cycle`, `chassis bootdev ...`, and for UEFI the raw boot-flags
 * command (`0x00 0x08 0x05 <flags> <device> 0 0 0`), since `chassis bootdev` cannot set the EFI bit
 * on many BMCs.
 */
import type { BmcAddress } from '../../api/bmc-address.js';
import type { RebootMode } from '../../api/types.js';
import { PowerControlError } from '../../errors.js';
import { waitForPower } from '../power-wait.js';
import { BMC_POWER_POLL_MS, POWER_STATE_TIMEOUT_MS, SOFT_POWER_OFF_TIMEOUT_MS } from '../timing.js';
import type { BmcDriver, BootDevice, BootDeviceOptions, OperationContext } from '../driver.js';
import { Ipmitool, type IpmitoolOptions } from './ipmitool.js';

export interface IpmiDriverOptions extends IpmitoolOptions {
  defaultCipherSuite?: number;
  powerStateTimeoutMs?: number;
  softPowerOffTimeoutMs?: number;
  pollMs?: number;
}

/** Ironic BOOT_DEVICE_HEXA_MAP. */
const RAW_DEVICE: Record<BootDevice, string> = { pxe: '0x04', disk: '0x08', cdrom: '0x14', uefihttp: '0x04' };
const BOOTDEV: Record<BootDevice, string> = { pxe: 'pxe', disk: 'disk', cdrom: 'cdrom', uefihttp: 'pxe' };

export function parsePowerStatus(stdout: string): boolean {
  const m = /Chassis Power is (on|off)/i.exec(stdout);
  if (!m) throw new PowerControlError(`unexpected ipmitool power status output: ${stdout.trim().slice(0, 120)}`);
  return (m[1] ?? '').toLowerCase() === 'on';
}

export class IpmiDriver implements BmcDriver {
  private readonly ipmi: Ipmitool;
  private readonly powerTimeoutMs: number;
  private readonly softOffMs: number;
  private readonly pollMs: number;

  constructor(address: BmcAddress, credentials: { username: string; password: string }, opts: IpmiDriverOptions = {}) {
    const cipher = address.query.cipher_suite ?? address.query.cipherSuite;
    this.ipmi = new Ipmitool(
      {
        host: address.host,
        port: address.port ?? 623,
        ...credentials,
        cipherSuite: cipher !== undefined ? Number(cipher) : (opts.defaultCipherSuite ?? 3),
        privilegeLevel: (address.query.privilegelevel ?? 'ADMINISTRATOR').toUpperCase(),
      },
      opts,
    );
    this.powerTimeoutMs = opts.powerStateTimeoutMs ?? POWER_STATE_TIMEOUT_MS;
    this.softOffMs = opts.softPowerOffTimeoutMs ?? SOFT_POWER_OFF_TIMEOUT_MS;
    this.pollMs = opts.pollMs ?? BMC_POWER_POLL_MS;
  }

  async register(): Promise<{ poweredOn: boolean }> {
    return { poweredOn: await this.getPowerState() };
  }

  async getPowerState(): Promise<boolean> {
    return parsePowerStatus(await this.ipmi.run(['power', 'status']));
  }

  async setPower(ctx: OperationContext, on: boolean, opts: { force?: boolean } = {}): Promise<void> {
    if ((await this.getPowerState()) === on) return;
    if (on) {
      await this.ipmi.run(['power', 'on']);
    } else if (!opts.force) {
      await this.ipmi.run(['power', 'soft']);
      if (await this.waitPower(ctx, false, this.softOffMs, false)) return;
      await this.ipmi.run(['power', 'off']);
    } else {
      await this.ipmi.run(['power', 'off']);
    }
    await this.waitPower(ctx, on, this.powerTimeoutMs);
  }

  async reboot(ctx: OperationContext, mode: RebootMode): Promise<void> {
    if (!(await this.getPowerState())) {
      await this.setPower(ctx, true);
      return;
    }
    // Ironic: hard = `power reset`; soft = soft power off, then power on.
    if (mode === 'hard') await this.ipmi.run(['power', 'reset']);
    else {
      await this.setPower(ctx, false);
      await this.setPower(ctx, true);
    }
    await this.waitPower(ctx, true, this.powerTimeoutMs);
  }

  async setBootDevice(_ctx: OperationContext, device: BootDevice, opts: BootDeviceOptions = {}): Promise<void> {
    if ((opts.mode ?? 'UEFI') === 'UEFI') {
      // Boot flags valid + EFI (+ persistent): 0xe0 persistent, 0xa0 next boot only.
      await this.ipmi.run(['raw', '0x00', '0x08', '0x05', opts.persistent ? '0xe0' : '0xa0', RAW_DEVICE[device], '0x00', '0x00', '0x00']);
      return;
    }
    await this.ipmi.run(['chassis', 'bootdev', BOOTDEV[device], ...(opts.persistent ? ['options=persistent'] : [])]);
  }

  private waitPower(ctx: OperationContext, on: boolean, timeoutMs: number, strict = true): Promise<boolean> {
    return waitForPower(ctx, () => this.getPowerState(), on, { timeoutMs, pollMs: this.pollMs, strict });
  }

}
