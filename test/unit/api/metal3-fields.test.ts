/**
 * One case per row of the README's BareMetalHost field/annotation table (issue 13, "nothing silently
 * dropped"): each field or annotation is either accepted and kept in the definition, or rejected
 * with an exact `field: reason` (BMO's webhook text where BMO has one). Case names start with the
 * table row's field so the README can link to them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../../src/api/change-rules.js';
import { parseManifests } from '../../../src/api/manifest.js';
import { ProvisioningState } from '../../../src/api/types.js';
import { SECRETS, bmhDocument, bmhErrors } from '../../helpers/bmh-manifest.js';

const RF = 'bmc: {address: "redfish://10.0.0.1/redfish/v1/Systems/1", credentialsName: bmc}';
const meta = (extra: string): string => `name: h\n  namespace: metal3\n  ${extra}`;
const annotated = (key: string, value: string): string => meta(`annotations: {${JSON.stringify(key)}: ${JSON.stringify(value)}}`);

/** `expected` is matched exactly; a trailing `*` matches a prefix (for texts that quote a JSON parser). */
function expectError(errors: string[], expected: string): void {
  const hit = expected.endsWith('*') ? errors.some((e) => e.startsWith(expected.slice(0, -1))) : errors.includes(expected);
  expect(hit, `want ${expected}\ngot:\n${errors.join('\n')}`).toBe(true);
}

function hostOf(spec: string, metaLines?: string) {
  const r = parseManifests([{ name: 'm.yaml', text: SECRETS + bmhDocument(spec, metaLines) }]);
  expect(r.errors).toEqual([]);
  const h = r.hosts[0];
  if (!h) throw new Error('no host');
  return h;
}

describe('strict decoding (kube-apiserver strict field validation)', () => {
  it.each([
    ['spec: unknown field', `online: true\n${RF}\nbogus: 1`, undefined, 'spec.bogus: unknown field'],
    ['spec.bmc: unknown key', 'online: true\nbmc: {address: "redfish://10.0.0.1/redfish/v1/Systems/1", credentialsName: bmc, password: x}', undefined, 'spec.bmc.password: unknown field'],
    ['spec.image: unknown key', `online: true\n${RF}\nimage: {url: "http://i/a", checksum: "http://i/a.md5", foo: 1}`, undefined, 'spec.image.foo: unknown field'],
    ['spec.customDeploy: unknown key', `online: true\n${RF}\ncustomDeploy: {method: install, args: x}`, undefined, 'spec.customDeploy.args: unknown field'],
    ['spec.userData: unknown key', `online: true\n${RF}\nuserData: {name: h-userdata, key: userData}`, undefined, 'spec.userData.key: unknown field'],
    ['spec.networkData: unknown key', `online: true\n${RF}\nnetworkData: {name: h-networkdata, foo: 1}`, undefined, 'spec.networkData.foo: unknown field'],
    ['spec.metaData: unknown key', `online: true\n${RF}\nmetaData: {name: h-networkdata, foo: 1}`, undefined, 'spec.metaData.foo: unknown field'],
    ['spec.rootDeviceHints: unknown hint', `online: true\n${RF}\nrootDeviceHints: {size: 10}`, undefined, 'spec.rootDeviceHints.size: unknown field'],
    ['spec.raid: unknown key', `online: true\n${RF}\nraid: {volumes: []}`, undefined, 'spec.raid.volumes: unknown field'],
    ['spec.raid.softwareRAIDVolumes[]: unknown key', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "1", size: 10}]}`, undefined, 'spec.raid.softwareRAIDVolumes[0].size: unknown field'],
    ['spec.raid.softwareRAIDVolumes[].physicalDisks[]: unknown hint', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "1", physicalDisks: [{deviceName: /dev/vda}, {disk: vdb}]}]}`, undefined, 'spec.raid.softwareRAIDVolumes[0].physicalDisks[1].disk: unknown field'],
    ['spec.raid.hardwareRAIDVolumes[]: unknown key', `online: true\n${RF}\nraid: {hardwareRAIDVolumes: [{level: "1", disks: 2}]}`, undefined, 'spec.raid.hardwareRAIDVolumes[0].disks: unknown field'],
    ['spec.networkInterfaces[]: unknown key', `online: true\n${RF}\nnetworkInterfaces: [{name: eth0, vlan: 10}]`, undefined, 'spec.networkInterfaces[0].vlan: unknown field'],
    ['spec.networkInterfaces[].switchPort: unknown key', `online: true\n${RF}\nnetworkInterfaces: [{name: eth0, switchPort: {switchID: "52:54:00:00:00:09", portID: p1, vlan: 1}}]`, undefined, 'spec.networkInterfaces[0].switchPort.vlan: unknown field'],
    ['spec.consumerRef: unknown key', `online: true\n${RF}\nconsumerRef: {name: m, foo: 1}`, undefined, 'spec.consumerRef.foo: unknown field'],
    ['spec.taints[]: unknown key', `online: true\n${RF}\ntaints: [{key: k, effect: NoSchedule, foo: 1}]`, undefined, 'spec.taints[0].foo: unknown field'],
    ['metadata: unknown key', `online: true\n${RF}`, meta('foo: 1'), 'metadata.foo: unknown field'],
    ['metadata.deletionTimestamp: rejected', `online: true\n${RF}`, meta('deletionTimestamp: "2026-01-01T00:00:00Z"'), 'metadata.deletionTimestamp: the host was being deleted when exported; not adopted'],
  ])('%s', (_row, spec, metaLines, expected) => {
    expectError(bmhErrors(spec, metaLines), expected);
  });

  it('BareMetalHost root: unknown key rejected, status accepted (read by adoption, not here)', () => {
    const doc = (extra: string): string => `apiVersion: metal3.io/v1alpha1\nkind: BareMetalHost\nmetadata: {name: h, namespace: metal3}\nspec: {online: false}\n${extra}\n`;
    expect(parseManifests([{ name: 'm.yaml', text: doc('statuss: {}') }]).errors.map((e) => `${e.field}: ${e.reason}`)).toEqual(['statuss: unknown field']);
    expect(parseManifests([{ name: 'm.yaml', text: doc('status: {operationalStatus: OK, poweredOn: true}') }]).errors).toEqual([]);
  });

  it('metadata: the server fields of an export are accepted', () => {
    const server = [
      'uid: 6b1c5a52-3f1e-4b8e-9a0c-0e6d1f2a3b4c',
      'resourceVersion: "1234"',
      'generation: 3',
      'creationTimestamp: "2026-01-01T00:00:00Z"',
      'finalizers: [baremetalhost.metal3.io]',
      'managedFields: [{manager: kubectl, operation: Apply}]',
      'ownerReferences: [{apiVersion: v1, kind: Machine, name: m, uid: x}]',
      'selfLink: /apis/metal3.io/v1alpha1/namespaces/metal3/baremetalhosts/h',
      'generateName: h-',
      'deletionGracePeriodSeconds: 0',
    ].join('\n  ');
    expect(bmhErrors(`online: true\n${RF}`, meta(server))).toEqual([]);
  });

  it('Secret: unknown keys rejected at the root and in metadata; immutable, type and server metadata accepted', () => {
    const errors = (text: string): string[] => parseManifests([{ name: 's.yaml', text }]).errors.map((e) => `${e.field}: ${e.reason}`);
    expect(errors('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: b}\nfoo: 1\n')).toEqual(['foo: unknown field']);
    expect(errors('apiVersion: v1\nkind: Secret\nmetadata: {name: s, bar: 1}\nstringData: {a: b}\n')).toEqual(['metadata.bar: unknown field']);
    expect(errors('apiVersion: v1\nkind: Secret\nmetadata: {name: s, uid: u, resourceVersion: "7", creationTimestamp: "2026-01-01T00:00:00Z"}\ntype: Opaque\nimmutable: true\ndata: {a: Yg==}\n')).toEqual([]);
  });

  it('spec.consumerRef: every ObjectReference key accepted and kept', () => {
    const ref = { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'Metal3Machine', namespace: 'metal3', name: 'm-0', uid: 'u', resourceVersion: '9', fieldPath: 'spec' };
    expect(hostOf(`online: true\n${RF}\nconsumerRef: ${JSON.stringify(ref)}`).host.spec.consumerRef).toEqual(ref);
  });
});

describe('BMO webhook rules', () => {
  it.each([
    ['spec.bootMACAddress: required when inspection is disabled (inspectionMode)', `online: true\n${RF}\ninspectionMode: disabled`, undefined, 'spec.bootMACAddress: BMC driver redfish requires a BootMACAddress value'],
    ['spec.bootMACAddress: required when inspection is disabled (annotation)', `online: true\n${RF}`, annotated('inspect.metal3.io', 'disabled'), 'spec.bootMACAddress: BMC driver redfish requires a BootMACAddress value'],
    ['spec.bootMACAddress: required by libvirt (NeedsMAC)', 'online: true\nbmc: {address: "libvirt://10.0.0.1", credentialsName: bmc}', undefined, 'spec.bootMACAddress: BMC driver libvirt requires a BootMACAddress value'],
    ['spec.bmc: address without credentialsName', 'online: true\nbmc: {address: "redfish://10.0.0.1/redfish/v1/Systems/1"}', undefined, 'spec.bmc.credentialsName: is required when bmc.address is set (leave both empty for an unmanaged host)'],
    ['spec.bmc: credentialsName without address', 'online: true\nbmc: {credentialsName: bmc}', undefined, 'spec.bmc.address: is required when bmc.credentialsName is set (leave both empty for an unmanaged host)'],
    ['inspect.metal3.io: value other than "" or disabled', `online: true\n${RF}`, annotated('inspect.metal3.io', 'yes'), 'metadata.annotations.inspect.metal3.io: invalid value for the inspect.metal3.io annotation, allowed are "disabled" or ""'],
    ['inspect.metal3.io: contradicts inspectionMode', `online: true\n${RF}\nbootMACAddress: "52:54:00:00:00:01"\ninspectionMode: agent`, annotated('inspect.metal3.io', 'disabled'), 'metadata.annotations.inspect.metal3.io: inspect.metal3.io annotation and inspectionMode field have contradicting values'],
    ['reboot.metal3.io: invalid JSON', `online: true\n${RF}`, annotated('reboot.metal3.io', '{mode: hard'), 'metadata.annotations.reboot.metal3.io: failed to unmarshal the data from the reboot.metal3.io annotation: *'],
    ['reboot.metal3.io: JSON that is not an object', `online: true\n${RF}`, annotated('reboot.metal3.io', '[1]'), 'metadata.annotations.reboot.metal3.io: failed to unmarshal the data from the reboot.metal3.io annotation: must be a JSON object'],
    ['reboot.metal3.io: force not a boolean', `online: true\n${RF}`, annotated('reboot.metal3.io', '{"force": "yes"}'), 'metadata.annotations.reboot.metal3.io: failed to unmarshal the data from the reboot.metal3.io annotation: force must be a boolean'],
    ['reboot.metal3.io/<key>: invalid mode', `online: true\n${RF}`, annotated('reboot.metal3.io/phase1', '{"mode": "cold"}'), 'metadata.annotations.reboot.metal3.io/phase1: invalid mode in the reboot.metal3.io annotation, allowed are "hard", "soft" or ""'],
    ['baremetalhost.metal3.io/detached: invalid JSON', `online: true\n${RF}`, annotated('baremetalhost.metal3.io/detached', 'yes'), 'metadata.annotations.baremetalhost.metal3.io/detached: unable to parse the content of the detached annotation: *'],
    ['baremetalhost.metal3.io/detached: invalid deleteAction', `online: true\n${RF}`, annotated('baremetalhost.metal3.io/detached', '{"deleteAction": "keep"}'), 'metadata.annotations.baremetalhost.metal3.io/detached: invalid deleteAction in the baremetalhost.metal3.io/detached annotation, allowed are "delete", "delay" or ""'],
    ['spec.raid: hardware and software RAID together', `online: true\n${RF}\nraid: {hardwareRAIDVolumes: [{level: "1"}], softwareRAIDVolumes: [{level: "1"}]}`, undefined, 'spec.raid: hardwareRAIDVolumes and softwareRAIDVolumes can not be set at the same time'],
    ['spec.raid.hardwareRAIDVolumes: physicalDisks without controller', `online: true\n${RF}\nraid: {hardwareRAIDVolumes: [{level: "1", physicalDisks: [a, b]}]}`, undefined, "spec.raid.hardwareRAIDVolumes[0].physicalDisks: 'physicalDisks' specified without 'controller' in hardware RAID volume 0"],
    ['spec.raid.hardwareRAIDVolumes: numberOfPhysicalDisks differs from physicalDisks', `online: true\n${RF}\nraid: {hardwareRAIDVolumes: [{level: "1", controller: c, numberOfPhysicalDisks: 3, physicalDisks: [a, b]}]}`, undefined, "spec.raid.hardwareRAIDVolumes[0].numberOfPhysicalDisks: the 'numberOfPhysicalDisks'[3] and number of 'physicalDisks'[2] is not same for volume 0"],
    ['spec.raid.softwareRAIDVolumes: rootVolume set twice', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "1", rootVolume: true}, {level: "1", rootVolume: true, sizeGibibytes: 10}]}`, undefined, 'spec.raid.softwareRAIDVolumes: softwareRAIDVolumes[*].rootVolume can only be set once'],
    ['spec.raid.softwareRAIDVolumes: rootVolume with rootDeviceHints', `online: true\n${RF}\nrootDeviceHints: {deviceName: /dev/vda}\nraid: {softwareRAIDVolumes: [{level: "1", rootVolume: true}]}`, undefined, 'spec.raid.softwareRAIDVolumes: softwareRAIDVolumes[*].rootVolume and rootDeviceHints can not be set at the same time'],
    ['spec.raid.softwareRAIDVolumes: rootVolume not RAID-1', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "1", sizeGibibytes: 10}, {level: "0", rootVolume: true}]}`, undefined, 'spec.raid.softwareRAIDVolumes[1].level: softwareRAIDVolumes[1] with rootVolume set must use RAID level 1'],
    ['spec.raid.softwareRAIDVolumes: first volume not RAID-1', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "0"}]}`, undefined, 'spec.raid.softwareRAIDVolumes[0].level: the level in first volume of software raid must be RAID1'],
    ['spec.raid.softwareRAIDVolumes: level outside 0, 1, 1+0', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "5"}]}`, undefined, 'spec.raid.softwareRAIDVolumes[0].level: must be one of 0, 1, 1+0'],
    ['spec.raid.softwareRAIDVolumes: more than 2 volumes', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "1", sizeGibibytes: 1}, {level: "1", sizeGibibytes: 1}, {level: "1"}]}`, undefined, 'spec.raid.softwareRAIDVolumes: should have at most 2 items'],
    ['spec.raid.softwareRAIDVolumes: physicalDisks with fewer than 2 items', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "1", physicalDisks: [{deviceName: /dev/vda}]}]}`, undefined, 'spec.raid.softwareRAIDVolumes[0].physicalDisks: should have at least 2 items'],
    ['spec.raid.softwareRAIDVolumes: two volumes of size MAX', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "1"}, {level: "0", sizeGibibytes: 0}]}`, undefined, "spec.raid.softwareRAIDVolumes: Software RAID can have only one RAID device with size 'MAX'"],
    ['spec.raid.softwareRAIDVolumes: negative size', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "1", sizeGibibytes: -1}]}`, undefined, 'spec.raid.softwareRAIDVolumes[0].sizeGibibytes: must be a whole number, 0 or more'],
    ['spec.networkInterfaces[]: neither name nor macAddress', `online: true\n${RF}\nnetworkInterfaces: [{hostNetworkAttachment: {name: a}}]`, undefined, 'spec.networkInterfaces[0]: must specify either name or macAddress'],
    ['spec.networkInterfaces[]: name and macAddress', `online: true\n${RF}\nnetworkInterfaces: [{name: eth0, macAddress: "52:54:00:00:00:02"}]`, undefined, 'spec.networkInterfaces[0]: name and macAddress are mutually exclusive'],
    ['spec.networkInterfaces[]: duplicate selector', `online: true\n${RF}\nnetworkInterfaces: [{name: eth0}, {name: ETH0}]`, undefined, 'spec.networkInterfaces[1]: duplicate interface selector for "ETH0"'],
    ['spec.networkInterfaces: not supported', `online: true\n${RF}\nnetworkInterfaces: [{name: eth0}]`, undefined, 'spec.networkInterfaces: switch and network attachment configuration is not supported'],
    ['spec.disablePowerOff: with online false', `online: false\n${RF}\ndisablePowerOff: true`, undefined, "spec.disablePowerOff: node can't simultaneously have online set to false and have power off disabled"],
    ['spec.inspectionMode: fast on IPMI', 'online: true\nbmc: {address: "ipmi://10.0.0.1", credentialsName: bmc}\ninspectionMode: fast', undefined, 'spec.inspectionMode: BMC driver ipmi does not support fast (out-of-band) inspection'],
    ['spec.inspectionMode: fast on the fake driver', 'online: true\nbmc: {address: "fake://x", credentialsName: bmc}\ninspectionMode: fast', undefined, 'spec.inspectionMode: BMC driver fake does not support fast (out-of-band) inspection'],
  ])('%s', (_row, spec, metaLines, expected) => {
    expectError(bmhErrors(spec, metaLines), expected);
  });

  it.each([
    ['inspect.metal3.io: "" (re-inspection request) accepted', `online: true\n${RF}\ninspectionMode: agent`, annotated('inspect.metal3.io', '')],
    ['inspect.metal3.io: disabled with inspectionMode disabled accepted', `online: true\n${RF}\nbootMACAddress: "52:54:00:00:00:01"\ninspectionMode: disabled`, annotated('inspect.metal3.io', 'disabled')],
    ['reboot.metal3.io: "" accepted', `online: true\n${RF}`, annotated('reboot.metal3.io', '')],
    ['reboot.metal3.io: {"mode":"hard","force":true} accepted', `online: true\n${RF}`, annotated('reboot.metal3.io', '{"mode":"hard","force":true}')],
    ['reboot.metal3.io/<key>: {} accepted', `online: true\n${RF}`, annotated('reboot.metal3.io/capm3-remediation', '{}')],
    ['baremetalhost.metal3.io/detached: "" accepted', `online: true\n${RF}`, annotated('baremetalhost.metal3.io/detached', '')],
    ['baremetalhost.metal3.io/detached: {"deleteAction":"delay","force":true} accepted', `online: true\n${RF}`, annotated('baremetalhost.metal3.io/detached', '{"deleteAction":"delay","force":true}')],
    ['baremetalhost.metal3.io/paused: any value accepted', `online: true\n${RF}`, annotated('baremetalhost.metal3.io/paused', 'maintenance')],
    ['spec.bootMACAddress: not required for Redfish with inspection', `online: true\n${RF}`, undefined],
    ['spec.raid.softwareRAIDVolumes: RAID-1 root plus a second volume accepted', `online: true\n${RF}\nraid: {softwareRAIDVolumes: [{level: "1", rootVolume: true, sizeGibibytes: 20, physicalDisks: [{deviceName: /dev/vda}, {deviceName: /dev/vdb}]}, {level: "0"}]}`],
    ['spec.raid.hardwareRAIDVolumes: [] (clear) accepted', `online: true\n${RF}\nraid: {hardwareRAIDVolumes: [], softwareRAIDVolumes: null}`],
    ['spec.networkInterfaces: [] accepted', `online: true\n${RF}\nnetworkInterfaces: []`],
  ])('%s', (_row, spec, metaLines?: string) => {
    expect(bmhErrors(spec, metaLines)).toEqual([]);
  });

  it('spec.bmc: empty ({} or empty strings) is an unmanaged host: accepted, no BMC in the definition', () => {
    expect(hostOf('online: false\nbmc: {}').host.spec.bmc).toBeUndefined();
    expect(hostOf('online: false\nbmc: {address: "", credentialsName: ""}').host.spec.bmc).toBeUndefined();
    expect(hostOf('online: false\nbmc: {address: null, credentialsName: null}').host.spec.bmc).toBeUndefined();
  });

  it('spec.raid.softwareRAIDVolumes: kept in the definition (software RAID is built in preparing)', () => {
    const raid = { softwareRAIDVolumes: [{ level: '1', rootVolume: true }] };
    expect(hostOf(`online: true\n${RF}\nraid: ${JSON.stringify(raid)}`).host.spec.raid).toEqual(raid);
  });
});

describe('change rules (BMO validateChanges)', () => {
  const def = (spec: string) => {
    const h = hostOf(spec);
    return { host: h.host, secrets: { credentials: { name: 'bmc', keys: ['username', 'password'] } } };
  };
  const base = `online: true\n${RF}\nbootMACAddress: "52:54:00:00:00:01"`;
  const check = (next: string, state: ProvisioningState, detached = false): string[] =>
    validateDefinition(def(next), def(base).host, { state, detached }).map((e) => `${e.field}: ${e.reason}`);

  it('spec.externallyProvisioned: enabled only from available', () => {
    expect(check(`${base}\nexternallyProvisioned: true`, ProvisioningState.Provisioned)).toEqual([
      'spec.externallyProvisioned: externallyProvisioned can only be enabled when in Available state, currently in provisioned',
    ]);
    expect(check(`${base}\nexternallyProvisioned: true`, ProvisioningState.Available)).toEqual([]);
  });

  it('spec.bmc.address: changes only while registering or detached', () => {
    const moved = base.replace('10.0.0.1', '10.0.0.2');
    expect(check(moved, ProvisioningState.Provisioned)).toEqual([
      'spec.bmc.address: BMC address can not be changed if the BMH is not in the Registering state, or if the BMH is not detached',
    ]);
    expect(check(moved, ProvisioningState.Registering)).toEqual([]);
    expect(check(moved, ProvisioningState.Provisioned, true)).toEqual([]);
  });

  it('spec.bootMACAddress: immutable once set', () => {
    expect(check(base.replace(':01"', ':02"'), ProvisioningState.Available)).toEqual(['spec.bootMACAddress: bootMACAddress can not be changed once it is set']);
  });
});

describe('fields metalflow does not implement: rejected with the reason, never dropped', () => {
  it.each([
    ['spec.taints: non-empty rejected', `online: true\n${RF}\ntaints: [{key: k, effect: NoSchedule}]`, 'spec.taints: deprecated in BMO and never implemented; not supported'],
    ['spec.firmware: rejected with BMO text', `online: true\n${RF}\nfirmware: {sriovEnabled: true}`, 'spec.firmware: the Firmware field is no longer supported, use HostFirmwareSettings resource instead'],
    ['spec.hardwareProfile: not a BMO profile', `online: true\n${RF}\nhardwareProfile: supermicro`, 'spec.hardwareProfile: no hardware profile named "supermicro" (BMO profiles: unknown, libvirt, dell, dell-raid, openstack, empty)'],
    ['spec.bootMode: UEFISecureBoot on the fake driver', 'online: true\nbmc: {address: "fake://x", credentialsName: bmc}\nbootMode: UEFISecureBoot', 'spec.bootMode: BMC driver fake does not support secure boot'],
    ['spec.image.url: oci:// rejected', `online: true\n${RF}\nimage: {url: "oci://reg/img:1"}`, 'spec.image.url: oci:// images are not supported (resolve the image to an https:// URL)'],
    ['spec.image.ociAuthSecretName: rejected', `online: true\n${RF}\nimage: {url: "oci://reg/img:1", ociAuthSecretName: pull}`, 'spec.image.ociAuthSecretName: oci:// images are not supported'],
    ['spec.customDeploy: rejected', `online: true\n${RF}\ncustomDeploy: {method: install_coreos}`, 'spec.customDeploy: custom deploy steps are not supported (BMC driver redfish)'],
    ['spec.architecture: other than x86_64 rejected', `online: true\n${RF}\narchitecture: aarch64`, 'spec.architecture: aarch64: no agent ramdisk for this architecture (only x86_64)'],
    ['spec.raid.hardwareRAIDVolumes: rejected on Redfish', `online: true\n${RF}\nraid: {hardwareRAIDVolumes: [{level: "1"}]}`, 'spec.raid.hardwareRAIDVolumes: hardware RAID is not supported (BMC driver redfish)'],
    ['spec.raid.hardwareRAIDVolumes: rejected on IPMI', 'online: true\nbmc: {address: "ipmi://10.0.0.1", credentialsName: bmc}\nraid: {hardwareRAIDVolumes: [{level: "1"}]}', 'spec.raid.hardwareRAIDVolumes: hardware RAID is not supported (BMC driver ipmi)'],
  ])('%s', (_row, spec, expected) => {
    expectError(bmhErrors(spec), expected);
  });

  it.each([
    ['spec.taints: [] accepted', `online: true\n${RF}\ntaints: []`],
    ['spec.hardwareProfile: a BMO profile accepted', `online: true\n${RF}\nhardwareProfile: dell-raid`],
    ['spec.architecture: x86_64 accepted', `online: true\n${RF}\narchitecture: x86_64`],
    ['spec.bootMode: UEFISecureBoot on Redfish accepted', `online: true\n${RF}\nbootMode: UEFISecureBoot`],
    ['spec.description: accepted', `online: true\n${RF}\ndescription: rack 2, slot 4`],
  ])('%s', (_row, spec) => {
    expect(bmhErrors(spec)).toEqual([]);
  });
});

describe('what Metal3 prints (kubectl get -o yaml)', () => {
  const exported = readFileSync(new URL('../../fixtures/metal3-export/worker-export.yaml', import.meta.url), 'utf8');

  it('kind: List: items flattened, each labelled file#doc.items[i]', () => {
    const r = parseManifests([{ name: 'export.yaml', text: exported }]);
    expect(r.errors).toEqual([]);
    expect(r.hosts.map((h) => `${h.host.metadata.namespace}/${h.host.metadata.name}`)).toEqual(['metal3/worker-0']);
    expect(r.hosts[0]?.secrets.credentials?.data).toEqual({ username: 'admin', password: 'password' });
    expect(r.hosts[0]?.host.spec.consumerRef?.name).toBe('worker-0-abcde');
    const broken = parseManifests([{ name: 'export.yaml', text: exported.replace('bootMode: UEFI\n    consumerRef', 'bootMode: UEFI\n    bogus: 1\n    consumerRef') }]);
    expect(broken.errors).toEqual([{ document: 'export.yaml#1.items[1] (BareMetalHost metal3/worker-0)', field: 'spec.bogus', reason: 'unknown field' }]);
  });

  it('kind: List: unknown keys and a missing items list are rejected', () => {
    const errors = (text: string): string[] => parseManifests([{ name: 'l.yaml', text }]).errors.map((e) => `${e.document}: ${e.field}: ${e.reason}`);
    expect(errors('apiVersion: v1\nkind: List\nitems: []\nfoo: 1\n')).toEqual(['l.yaml#1 (List): foo: unknown field']);
    expect(errors('apiVersion: v1\nkind: List\n')).toEqual(['l.yaml#1 (List): items: must be a list']);
  });

  it('FirmwareSchema and HardwareData: accepted and ignored, with a warning that says so', () => {
    const r = parseManifests([{ name: 'export.yaml', text: exported }]);
    expect(r.warnings).toEqual([
      'export.yaml#1.items[2] (HardwareData metal3/worker-0): metal3.io/v1alpha1 HardwareData is ignored: BMO copies inspection results into it; metalflow keeps them in the host status',
      'export.yaml#1.items[3] (FirmwareSchema metal3/schema-4f2e1a): metal3.io/v1alpha1 FirmwareSchema is ignored: BMO generates it from the BMC',
    ]);
  });

  it('kubectl.kubernetes.io/last-applied-configuration: dropped on import (it holds the old manifest)', () => {
    const host = parseManifests([{ name: 'export.yaml', text: exported }]).hosts[0]?.host;
    expect(host?.metadata.annotations).toBeUndefined();
    expect(host?.metadata.labels).toEqual({ 'infraenvs.agent-install.openshift.io': 'cluster' });
  });
});
