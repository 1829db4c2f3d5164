/**
 * The IPMI driver through Debian's ipmitool against OpenIPMI's ipmi_sim on loopback: power, the raw
 * UEFI boot-flags command and `chassis bootdev`, bad credentials, an absent BMC, and the minimum
 * interval between commands.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDir } from '../../helpers/temp-dir.js';
import { parseBmcAddress } from '../../../src/api/bmc-address.js';
import type { OperationContext } from '../../../src/bmc/driver.js';
import { IpmiDriver } from '../../../src/bmc/ipmi/ipmi-driver.js';
import { BmcAuthenticationError, BmcUnreachableError } from '../../../src/errors.js';
import { startIpmiSim, type IpmiSim } from '../../../lab/ipmi-sim.js';
import { freePort } from '../../../lab/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-ipmi-'));
const creds = { username: 'admin', password: 'ipmi-pw' };
const ctx = (): OperationContext => ({ opId: 'op', heartbeat: () => undefined, signal: new AbortController().signal });
const timing = { minIntervalMs: 50, pollMs: 100, powerStateTimeoutMs: 10_000, softPowerOffTimeoutMs: 5_000 };
let bmc: IpmiSim;

beforeAll(async () => {
  bmc = await startIpmiSim({ dir, ...creds });
}, 60_000);
afterAll(async () => {
  await bmc?.stop();
  removeTempDir(dir);
});

const driver = (c = creds, opts = timing): IpmiDriver => new IpmiDriver(parseBmcAddress(`ipmi://127.0.0.1:${bmc.port}`), c, opts);

describe('IPMI driver against ipmi_sim', () => {
  it('registers and drives power: on, hard reboot, soft off', async () => {
    const d = driver();
    expect(await d.register()).toEqual({ poweredOn: false });
    await d.setPower(ctx(), true);
    expect(bmc.machine().power).toBe(true);
    await d.reboot(ctx(), 'hard');
    await d.setPower(ctx(), false); // soft: `power soft` (ACPI shutdown)
    expect(bmc.machine().power).toBe(false);
    expect(bmc.machine().events).toEqual(['power 1', 'reset 1', 'shutdown 1']);
  });

  it('sets the boot device with the raw UEFI boot-flags command, or chassis bootdev in legacy mode', async () => {
    const d = driver();
    await d.setBootDevice(ctx(), 'pxe', { persistent: true, mode: 'UEFI' });
    expect(bmc.machine().boot).toBe('pxe');
    await d.setBootDevice(ctx(), 'disk', { mode: 'legacy' });
    expect(bmc.machine().boot).toBe('default'); // ipmi_sim's name for "boot from disk"
  });

  it('accepts a bare host:port address as IPMI', async () => {
    const d = new IpmiDriver(parseBmcAddress(`127.0.0.1:${bmc.port}`), creds, timing);
    expect(await d.getPowerState()).toBe(false);
  });

  it('reports a wrong password as bad credentials, without retrying it', async () => {
    const started = Date.now();
    await expect(driver({ username: 'admin', password: 'wrong' }).register()).rejects.toThrow(BmcAuthenticationError);
    await expect(driver({ username: 'nobody', password: 'ipmi-pw' }).register()).rejects.toThrow(/bad credentials/);
    expect(Date.now() - started).toBeLessThan(5000); // one attempt each, no retry loop
  });

  it('reports an absent BMC as unreachable after bounded retries', async () => {
    const port = await freePort('udp');
    const d = new IpmiDriver(parseBmcAddress(`ipmi://127.0.0.1:${port}`), creds, { ...timing, attempts: 2 });
    await expect(d.getPowerState()).rejects.toThrow(BmcUnreachableError);
  });

  it('keeps the minimum interval between commands to one BMC', async () => {
    const d = driver(creds, { ...timing, minIntervalMs: 700 });
    await d.getPowerState();
    const started = Date.now();
    await Promise.all([d.getPowerState(), d.getPowerState()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1300); // two more commands, each 700 ms after the previous
  });
});
