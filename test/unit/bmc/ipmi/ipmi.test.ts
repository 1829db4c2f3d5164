import { describe, expect, it } from 'vitest';
import { parsePowerStatus } from '../../../../src/bmc/ipmi/ipmi-driver.js';
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
