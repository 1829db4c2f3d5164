import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBmcAddress } from '../../../../src/api/bmc-address.js';
import type { BootDevice, OperationContext } from '../../../../src/bmc/driver.js';
import { IpmiDriver, parsePowerStatus } from '../../../../src/bmc/ipmi/ipmi-driver.js';
import { ipmitoolArgv } from '../../../../src/bmc/ipmi/ipmitool.js';
import { PowerControlError } from '../../../../src/errors.js';

describe('ipmitool command line', () => {
  it('uses lanplus, the cipher suite and privilege level, and never carries the password', () => {
    const target = { host: '10.0.0.5', port: 6230, username: 'admin', password: 'TopSecretIpmi', cipherSuite: 3, privilegeLevel: 'OPERATOR' };
    const argv = ipmitoolArgv(target, ['power', 'status']);
    expect(argv.join(' ')).toBe('-v -I lanplus -H 10.0.0.5 -p 6230 -U admin -E -C 3 -L OPERATOR -R 1 -N 2 power status');
    expect(argv.join(' ')).not.toContain('TopSecretIpmi');
    expect(argv).not.toContain('-P');
  });
});

describe('power status parsing', () => {
  it.each([
    ['Chassis Power is on\n', true],
    ['Chassis Power is off\n', false],
  ])('%j', (out, on) => expect(parsePowerStatus(out)).toBe(on));
  it('rejects anything else', () => {
    expect(() => parsePowerStatus('Error')).toThrow(PowerControlError);
  });
});

describe('boot flags by boot mode (the ipmitool argv)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metalflow-ipmitool-'));
  const log = join(dir, 'argv');
  const binary = join(dir, 'ipmitool');
  // Stands in for ipmitool: records each command (after the connection options) and succeeds.
  writeFileSync(binary, `#!/bin/sh\nshift 18\necho "$*" >> ${log}\n`, { mode: 0o755 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ctx: OperationContext = { opId: 'x', heartbeat: () => undefined, signal: new AbortController().signal };
  const commands = async (device: BootDevice, opts: { persistent?: boolean; mode?: 'UEFI' | 'legacy' }): Promise<string> => {
    rmSync(log, { force: true });
    const d = new IpmiDriver(parseBmcAddress('ipmi://127.0.0.1:6230'), { username: 'admin', password: 'pw' }, { binary, minIntervalMs: 0 });
    await d.setBootDevice(ctx, device, opts);
    return readFileSync(log, 'utf8').trim();
  };

  it.each([
    ['pxe', {}, 'raw 0x00 0x08 0x05 0xa0 0x04 0x00 0x00 0x00'],
    ['disk', { persistent: true, mode: 'UEFI' }, 'raw 0x00 0x08 0x05 0xe0 0x08 0x00 0x00 0x00'],
    ['cdrom', { mode: 'UEFI' }, 'raw 0x00 0x08 0x05 0xa0 0x14 0x00 0x00 0x00'],
    ['pxe', { mode: 'legacy' }, 'chassis bootdev pxe'],
    ['disk', { persistent: true, mode: 'legacy' }, 'chassis bootdev disk options=persistent'],
  ] as const)('%s %j → %s', async (device, opts, expected) => {
    expect(await commands(device, opts)).toBe(expected);
  });
});
