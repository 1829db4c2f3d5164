import { describe, expect, it } from 'vitest';
import {
  Annotation,
  MAX_HARDWARE_DETAILS_BYTES,
  applyAnnotationEdits,
  detachArguments,
  inspectionRefreshRequested,
  parseAnnotationEdits,
  parseHardwareDetails,
  pausedByAnnotation,
  rebootRequest,
  validateHardwareDetailsAnnotation,
} from '../../../src/api/annotations.js';
import { validateBareMetalHost } from '../../../src/api/validate-host.js';

describe('inspect.metal3.io', () => {
  it('"" (or any value but disabled) requests re-inspection', () => {
    expect(inspectionRefreshRequested({ [Annotation.inspect]: '' })).toBe(true);
    expect(inspectionRefreshRequested({ [Annotation.inspect]: 'disabled' })).toBe(false);
    expect(inspectionRefreshRequested({})).toBe(false);
  });
});

describe('inspect.metal3.io/hardwaredetails', () => {
  const details = JSON.stringify({ cpu: { arch: 'x86_64', count: 8 }, ramMebibytes: 4096, nics: [{ name: 'eth0', mac: '52:54:00:00:00:01' }], storage: [{ name: '/dev/sda', sizeBytes: 1000 }] });

  it('decodes our HardwareDetails', () => {
    expect(parseHardwareDetails(details).cpu?.count).toBe(8);
  });

  it('rejects unknown fields and wrong types with BMO\'s text', () => {
    expect(() => parseHardwareDetails('{"cpu":{"cores":2}}')).toThrow('error decoding the inspect.metal3.io/hardwaredetails annotation: json: unknown field "cores" at cpu');
    expect(() => parseHardwareDetails('{"ramMebibytes":"lots"}')).toThrow('json: cannot unmarshal string into an integer at ramMebibytes');
    expect(() => parseHardwareDetails('{not json')).toThrow(/^error decoding the inspect\.metal3\.io\/hardwaredetails annotation: /);
    expect(() => parseHardwareDetails('{"storage":[{"name":"/dev/sda","type":"TAPE","sizeBytes":1}]}')).toThrow('storage[0].type: "TAPE" is not one of HDD, SSD, NVME');
  });

  // A BMO status.hardware as BMO writes it (hardwaredata_types.go JSON keys; every field omitempty).
  const bmoHardware = {
    systemVendor: { manufacturer: 'Dell Inc.', productName: 'PowerEdge R650', serialNumber: 'ABC1234' },
    firmware: { bios: { date: '01/01/2024', vendor: 'Dell Inc.', version: '1.10.2' } },
    ramMebibytes: 262144,
    nics: [
      { name: 'eno1', model: '0x14e4 0x165f', mac: 'b0:7b:25:00:00:01', ip: '192.0.2.10', speedGbps: 25, vlans: [{ id: 100, name: 'prov' }, { id: 200 }], vlanId: 100, pxe: true, lldp: { switchID: 'c8:4c:75:00:00:01', portID: 'Ethernet1/1', switchSystemName: 'tor-1' }, pciAddress: '0000:19:00.0' },
      { name: 'eno2', model: '0x14e4 0x165f', mac: 'b0:7b:25:00:00:02', speedGbps: 25 },
      { name: 'ib0' }, // no MAC: omitempty
    ],
    storage: [
      { name: '/dev/sda', alternateNames: ['/dev/disk/by-path/pci-0000:00:1f.2-ata-1'], rotational: true, type: 'HDD', sizeBytes: 1_000_204_886_016, vendor: 'ATA', model: 'ST1000NX0423', serialNumber: 'W470XXXX', wwn: '0x5000c500a0000001', wwnVendorExtension: '0x0000000000000001', wwnWithExtension: '0x5000c500a00000010x0000000000000001', hctl: '0:0:0:0' },
      { name: '/dev/nvme0n1', type: 'NVME' }, // no size: omitempty
    ],
    cpu: { arch: 'x86_64', model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', clockMegahertz: 2000.5, flags: ['avx2', 'vmx'], count: 128 },
    hostname: 'worker-0',
  };

  it("decodes BMO's HardwareDetails (vlans, vlanId, lldp, pciAddress, wwn extensions; omitempty fields may be absent, read as Go's zero values)", () => {
    const hw = parseHardwareDetails(JSON.stringify(bmoHardware));
    expect(hw.nics?.[0]?.lldp?.switchSystemName).toBe('tor-1');
    expect(hw.nics?.[0]?.vlans).toEqual([{ id: 100, name: 'prov' }, { id: 200 }]);
    expect(hw.nics?.[2]).toEqual({ name: 'ib0', mac: '' });
    expect(hw.storage?.[0]?.wwnWithExtension).toBe('0x5000c500a00000010x0000000000000001');
    expect(hw.storage?.[1]).toEqual({ name: '/dev/nvme0n1', type: 'NVME', sizeBytes: 0 });
    expect(parseHardwareDetails('{"nics":[{}],"storage":[{}]}')).toEqual({ nics: [{ name: '', mac: '' }], storage: [{ name: '', sizeBytes: 0 }] });
    expect(() => parseHardwareDetails('{"nics":[{"vlans":[{"id":"x"}]}]}')).toThrow('json: cannot unmarshal string into an integer at nics[0].vlans[0].id');
    expect(() => parseHardwareDetails('{"nics":[{"lldp":{"chassis":1}}]}')).toThrow('json: unknown field "chassis" at nics[0].lldp');
  });

  it('caps the decoded size', () => {
    expect(() => parseHardwareDetails(`{"hostname":"${'x'.repeat(MAX_HARDWARE_DETAILS_BYTES)}"}`)).toThrow(`longer than ${MAX_HARDWARE_DETAILS_BYTES} bytes`);
  });

  it('needs inspection disabled (BMO webhook), checked at apply', () => {
    expect(validateHardwareDetailsAnnotation({ [Annotation.hardwareDetails]: details }, false)).toEqual([
      { field: 'metadata.annotations.inspect.metal3.io/hardwaredetails', reason: 'when hardware details are provided, inspection must be disabled (either via inspect.metal3.io annotation or inspectionMode field)' },
    ]);
    expect(validateHardwareDetailsAnnotation({ [Annotation.hardwareDetails]: details }, true)).toEqual([]);
    const host = (annotations: Record<string, string>, spec: Record<string, unknown> = {}) => ({
      apiVersion: 'metal3.io/v1alpha1',
      kind: 'BareMetalHost',
      metadata: { name: 'h', namespace: 'ns', annotations },
      spec: { online: true, bootMACAddress: '52:54:00:00:00:01', ...spec },
    });
    const fields = (obj: Record<string, unknown>) => validateBareMetalHost(obj, { secrets: new Map() }).map((e) => `${e.field}: ${e.reason}`);
    expect(fields(host({ [Annotation.hardwareDetails]: '{"cpu":{"cores":2}}', [Annotation.inspect]: 'disabled' }))).toContain(
      'metadata.annotations.inspect.metal3.io/hardwaredetails: error decoding the inspect.metal3.io/hardwaredetails annotation: json: unknown field "cores" at cpu',
    );
    expect(fields(host({ [Annotation.hardwareDetails]: details }, { inspectionMode: 'disabled' })).filter((f) => f.includes('hardwaredetails'))).toEqual([]);
    expect(fields(host({ [Annotation.hardwareDetails]: details })).filter((f) => f.includes('hardwaredetails'))).toHaveLength(1);
  });
});

describe('reboot.metal3.io', () => {
  it('counts the base and keyed annotations; hard wins', () => {
    expect(rebootRequest({}, false)).toBeUndefined();
    expect(rebootRequest({ 'reboot.metal3.io': '' }, false)).toEqual({ mode: 'soft', keys: ['reboot.metal3.io'], notes: [] });
    expect(rebootRequest({ 'reboot.metal3.io/a': '{"mode":"hard"}', 'reboot.metal3.io/b': '' }, false)?.mode).toBe('hard');
    expect(rebootRequest({ 'reboot.metal3.iox': '' }, false)).toBeUndefined();
  });

  it('outside provisioned states only force counts', () => {
    expect(rebootRequest({ 'reboot.metal3.io/a': '{}' }, true)).toBeUndefined();
    expect(rebootRequest({ 'reboot.metal3.io/a': '{}', 'reboot.metal3.io/b': '{"force":true}' }, true)?.keys).toEqual(['reboot.metal3.io/b']);
  });

  it('invalid JSON is a soft reboot with BMO\'s event text', () => {
    expect(rebootRequest({ 'reboot.metal3.io': 'nope' }, false)).toEqual({ mode: 'soft', keys: ['reboot.metal3.io'], notes: ['could not parse reboot annotation (nope) - invalid json, assuming soft-reboot'] });
  });
});

describe('baremetalhost.metal3.io/detached and /paused', () => {
  it('reads deleteAction and force; anything else detaches with the defaults and a note', () => {
    expect(detachArguments({})).toBeUndefined();
    expect(detachArguments({ [Annotation.detached]: '' })).toEqual({ args: { force: false, deleteAction: 'delete' } });
    expect(detachArguments({ [Annotation.detached]: '{"deleteAction":"delay","force":true}' })).toEqual({ args: { force: true, deleteAction: 'delay' } });
    const bad = detachArguments({ [Annotation.detached]: 'yes please' });
    expect(bad?.args).toEqual({ force: false, deleteAction: 'delete' });
    expect(bad?.note).toMatch(/^ignoring detached annotation value: unable to parse the content of the detached annotation: /);
  });

  it('paused with any value', () => {
    expect(pausedByAnnotation({ [Annotation.paused]: '' })).toBe(true);
    expect(pausedByAnnotation({})).toBe(false);
  });
});

describe('annotate edits (kubectl rules)', () => {
  it('parses key=value and key-', () => {
    expect(parseAnnotationEdits(['a=1', 'b=', 'c-'])).toEqual([{ key: 'a', value: '1' }, { key: 'b', value: '' }, { key: 'c' }]);
    expect(() => parseAnnotationEdits(['=x'])).toThrow('invalid annotation format: =x');
    expect(() => parseAnnotationEdits(['plain'])).toThrow('invalid annotation format: plain');
    expect(() => parseAnnotationEdits(['a=1', 'a-'])).toThrow('can not both modify and remove');
  });

  it('refuses to replace an existing key without --overwrite', () => {
    expect(() => applyAnnotationEdits({ a: '1' }, [{ key: 'a', value: '2' }], false)).toThrow("'a' already has a value (1), and --overwrite is false");
    expect(applyAnnotationEdits({ a: '1' }, [{ key: 'a', value: '2' }], true)).toEqual({ a: '2' });
    expect(applyAnnotationEdits({ a: '1', b: '' }, [{ key: 'b' }, { key: 'c', value: 'x' }], false)).toEqual({ a: '1', c: 'x' });
  });
});
