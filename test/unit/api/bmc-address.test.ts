import { describe, expect, it } from 'vitest';
import { parseBmcAddress } from '../../../src/api/bmc-address.js';

describe('parseBmcAddress', () => {
  it.each([
    ['ipmi://10.0.0.1', { driver: 'ipmi', host: '10.0.0.1', port: undefined, bootMethod: 'pxe' }],
    ['ipmi://[fd00::1]:6230', { driver: 'ipmi', host: 'fd00::1', port: 6230 }],
    ['10.0.0.1:6230', { driver: 'ipmi', scheme: 'ipmi', host: '10.0.0.1', port: 6230 }],
    ['bmc.example.com', { driver: 'ipmi', host: 'bmc.example.com' }],
    ['redfish://10.0.0.1/redfish/v1/Systems/1', { driver: 'redfish', transport: 'https', path: '/redfish/v1/Systems/1', bootMethod: 'pxe' }],
    ['redfish+http://127.0.0.1:8000/redfish/v1/Systems/abc', { driver: 'redfish', transport: 'http', port: 8000 }],
    ['redfish-virtualmedia+https://h/redfish/v1/Systems/1', { driver: 'redfish', bootMethod: 'virtualmedia', transport: 'https' }],
    ['redfish-uefihttp://h/redfish/v1/Systems/1', { driver: 'redfish', bootMethod: 'uefihttp' }],
    ['idrac-virtualmedia://h/redfish/v1/Systems/System.Embedded.1', { driver: 'redfish', vendor: 'idrac', bootMethod: 'virtualmedia' }],
    ['ipmi://h?privilegelevel=OPERATOR', { driver: 'ipmi', query: { privilegelevel: 'OPERATOR' } }],
    ['fake://anything', { driver: 'fake', host: 'anything' }],
    ['libvirt://h', { driver: 'libvirt' }],
  ])('%s', (address, expected) => {
    expect(parseBmcAddress(address)).toMatchObject(expected);
  });

  it.each([
    ['', 'must not be empty'],
    ['gopher://h', 'unknown BMC scheme'],
    ['ilo4://h', 'was removed'],
    ['redfish+ftp://h/x', 'unknown transport'],
    ['ipmi+https://h', 'does not take a +transport suffix'],
    ['redfish:///redfish/v1', 'has no host'],
    ['ipmi://h:70000', 'out of range'],
    ['not a url at all', 'neither a URL nor host[:port]'],
  ])('rejects %j', (address, reason) => {
    expect(() => parseBmcAddress(address)).toThrow(reason);
  });
});
