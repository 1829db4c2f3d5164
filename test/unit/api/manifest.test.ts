import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../../src/api/manifest.js';
import { SECRETS as secret, bmhDocument as host, bmhErrors as errorsFor } from '../../helpers/bmh-manifest.js';

const goodSpec = `online: true
bootMACAddress: "52:54:00:00:00:01"
bmc:
  address: redfish+https://10.0.0.1/redfish/v1/Systems/1
  credentialsName: bmc
  disableCertificateVerification: true
image:
  url: http://img/ubuntu.qcow2
  checksum: http://img/ubuntu.qcow2.sha256sum
  checksumType: sha256
  format: qcow2
userData: {name: h-userdata, namespace: metal3}
networkData: {name: h-networkdata}
preprovisioningNetworkDataName: h-network
rootDeviceHints:
  serialNumber: S123
  minSizeGigabytes: 100
  rotational: false
bootMode: UEFI
automatedCleaningMode: metadata
inspectionMode: agent`;

describe('manifest parsing', () => {
  it('accepts a complete Metal3 manifest and resolves its Secrets (data base64 and stringData)', () => {
    const r = parseManifests([{ name: 'm.yaml', text: secret + host(goodSpec) }]);
    expect(r.errors).toEqual([]);
    expect(r.hosts).toHaveLength(1);
    const h = r.hosts[0];
    expect(h?.host.metadata).toMatchObject({ name: 'h', namespace: 'metal3' });
    expect(h?.secrets.credentials?.data).toEqual({ username: 'admin', password: 'password' });
    expect(h?.secrets.userData?.data.userData).toBe('#cloud-config');
    expect(h?.secrets.networkData?.metadata.name).toBe('h-networkdata');
    expect(h?.secrets.preprovisioningNetworkData?.metadata.name).toBe('h-network');
  });

  it('defaults the namespace to "default"', () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata: {name: bmc}\nstringData: {username: a, password: b}\n` + host('online: false\nbmc: {address: "fake://x", credentialsName: bmc}', 'name: h');
    const r = parseManifests([{ name: 'm.yaml', text }]);
    expect(r.errors).toEqual([]);
    expect(r.hosts[0]?.host.metadata.namespace).toBe('default');
  });

  it('names the document, the field and the reason', () => {
    const r = parseManifests([{ name: 'hosts.yaml', text: secret + host('online: true\nbootMACAddress: nope\nbmc: {address: "fake://x", credentialsName: bmc}') }]);
    expect(r.errors).toEqual([{ document: 'hosts.yaml#5 (BareMetalHost metal3/h)', field: 'spec.bootMACAddress', reason: 'must be a MAC address like 52:54:00:12:34:56' }]);
  });

  it('reports YAML syntax errors and non-objects', () => {
    expect(parseManifests([{ name: 'bad.yaml', text: 'a: [1, 2' }]).errors[0]?.field).toBe('(yaml)');
    expect(parseManifests([{ name: 'bad.yaml', text: '- 1\n- 2' }]).errors[0]?.field).toBe('(root)');
  });

  it('skips objects of other kinds with a warning, rejects a BareMetalHost of another apiVersion', () => {
    const r = parseManifests([{ name: 'm.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: metal3}\n' }]);
    expect(r.errors).toEqual([]);
    expect(r.warnings[0]).toContain('Namespace is not managed by metalflow');
    const bad = parseManifests([{ name: 'm.yaml', text: 'apiVersion: metal3.io/v1beta1\nkind: BareMetalHost\nmetadata: {name: h}\nspec: {online: true}\n' }]);
    expect(bad.errors[0]?.field).toBe('apiVersion');
  });

  it('rejects duplicate hosts and Secrets', () => {
    const h = host('online: true\nbmc: {address: "fake://x", credentialsName: bmc}');
    const r = parseManifests([{ name: 'm.yaml', text: secret + h + h + secret.replace(/^/, '---\n') }]);
    expect(r.errors.map((e) => e.reason)).toContain('appears more than once');
  });

  it('rejects invalid base64 in Secret data', () => {
    const r = parseManifests([{ name: 'm.yaml', text: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: "not base64!"}\n' }]);
    expect(r.errors[0]).toMatchObject({ field: 'data.password' });
  });
});

describe('BareMetalHost validation rules', () => {
  const bmc = 'bmc: {address: "fake://x", credentialsName: bmc}';
  it.each([
    ['name with invalid characters', 'online: true\n' + bmc, 'name: "h/1"\n  namespace: metal3', 'metadata.name: BareMetalHost resource name cannot contain characters other than [A-Za-z0-9._-]'],
    ['name that is a UUID', 'online: true\n' + bmc, 'name: 6b1c5a52-3f1e-4b8e-9a0c-0e6d1f2a3b4c\n  namespace: metal3', 'metadata.name: BareMetalHost resource name cannot be a UUID'],
    ['missing online', bmc, undefined, 'spec.online: is required'],
    ['online not a boolean', 'online: "yes"\n' + bmc, undefined, 'spec.online: must be a boolean'],
    ['bad MAC', 'online: true\nbootMACAddress: "52:54:00:00:00"\n' + bmc, undefined, 'spec.bootMACAddress: must be a MAC address like 52:54:00:12:34:56'],
    ['unknown BMC scheme', 'online: true\nbmc: {address: "foo://x", credentialsName: bmc}', undefined, 'spec.bmc.address: unknown BMC scheme "foo"'],
    ['removed BMC scheme', 'online: true\nbmc: {address: "idrac://x", credentialsName: bmc}', undefined, 'spec.bmc.address: idrac:// (WSMAN) was removed'],
    ['bad redfish transport', 'online: true\nbmc: {address: "redfish+ftp://x/redfish/v1/Systems/1", credentialsName: bmc}', undefined, 'spec.bmc.address: unknown transport "+ftp"'],
    ['missing credentialsName', 'online: true\nbmc: {address: "fake://x"}', undefined, 'spec.bmc.credentialsName: is required'],
    ['credentials Secret missing', 'online: true\nbmc: {address: "fake://x", credentialsName: nope}', undefined, 'spec.bmc.credentialsName: Secret metal3/nope not found'],
    ['credentials Secret without password', 'online: true\nbmc: {address: "fake://x", credentialsName: h-userdata}', undefined, 'is missing key "username"'],
    ['image without checksum', `online: true\n${bmc}\nimage: {url: "http://i/a.qcow2"}`, undefined, 'spec.image.checksum: is required unless format is live-iso'],
    ['image with bad url', `online: true\n${bmc}\nimage: {url: "ftp://i/a", checksum: abc}`, undefined, 'spec.image.url: must be an http(s):// or file:// URL'],
    ['image with bad format', `online: true\n${bmc}\nimage: {url: "http://i/a", checksum: "http://i/a.md5", format: iso}`, undefined, 'spec.image.format: must be one of'],
    ['image with bad checksumType', `online: true\n${bmc}\nimage: {url: "http://i/a", checksum: "http://i/a.md5", checksumType: sha1}`, undefined, 'spec.image.checksumType: must be one of'],
    ['sha256 digest of the wrong length', `online: true\n${bmc}\nimage: {url: "http://i/a", checksum: abcd, checksumType: sha256}`, undefined, 'spec.image.checksum: a sha256 digest has 64 hex digits, got 4'],
    ['rootDeviceHints deviceName outside /dev', `online: true\n${bmc}\nrootDeviceHints: {deviceName: sda}`, undefined, 'spec.rootDeviceHints.deviceName: device name of root device hint must be a /dev/ path, not "sda"'],
    ['rootDeviceHints by-id', `online: true\n${bmc}\nrootDeviceHints: {deviceName: /dev/disk/by-id/wwn-1}`, undefined, 'spec.rootDeviceHints.deviceName: device name of root device hint must be path in /dev/ or /dev/disk/by-path/, not "/dev/disk/by-id/wwn-1"'],
    ['rootDeviceHints under another /dev subdirectory', `online: true\n${bmc}\nrootDeviceHints: {deviceName: /dev/mapper/root}`, undefined, 'spec.rootDeviceHints.deviceName: device name of root device hint must be path in /dev/ or /dev/disk/by-path/, not "/dev/mapper/root"'],
    ['rootDeviceHints negative size', `online: true\n${bmc}\nrootDeviceHints: {minSizeGigabytes: -1}`, undefined, 'spec.rootDeviceHints.minSizeGigabytes: must be a whole number of GiB'],
    ['rootDeviceHints rotational string', `online: true\n${bmc}\nrootDeviceHints: {rotational: "true"}`, undefined, 'spec.rootDeviceHints.rotational: must be a boolean'],
    ['cross-namespace userData', `online: true\n${bmc}\nuserData: {name: h-userdata, namespace: other}`, undefined, 'spec.userData.namespace: cross-namespace Secret references are not allowed'],
    ['missing userData Secret', `online: true\n${bmc}\nuserData: {name: nope}`, undefined, 'spec.userData: Secret metal3/nope not found'],
    ['missing preprovisioning network Secret', `online: true\n${bmc}\npreprovisioningNetworkDataName: nope`, undefined, 'spec.preprovisioningNetworkDataName: Secret metal3/nope not found'],
    ['bad bootMode', `online: true\n${bmc}\nbootMode: BIOS`, undefined, 'spec.bootMode: must be one of UEFI, UEFISecureBoot, legacy'],
    // BMO's webhook (SupportsSecureBoot per driver): "BMC driver <type> does not support secure boot".
    ['secure boot on IPMI', 'online: true\nbmc: {address: "ipmi://10.0.0.1", credentialsName: bmc}\nbootMode: UEFISecureBoot', undefined, 'spec.bootMode: BMC driver ipmi does not support secure boot'],
    ['secure boot on a bare host:port (IPMI)', 'online: true\nbmc: {address: "10.0.0.1:623", credentialsName: bmc}\nbootMode: UEFISecureBoot', undefined, 'spec.bootMode: BMC driver ipmi does not support secure boot'],
    ['secure boot on libvirt', 'online: true\nbootMACAddress: "52:54:00:00:00:01"\nbmc: {address: "libvirt://10.0.0.1", credentialsName: bmc}\nbootMode: UEFISecureBoot', undefined, 'spec.bootMode: BMC driver libvirt does not support secure boot'],
    ['bad cleaning mode', `online: true\n${bmc}\nautomatedCleaningMode: full`, undefined, 'spec.automatedCleaningMode: must be one of metadata, disabled'],
    ['bad fake annotation', `online: true\n${bmc}`, 'name: h\n  namespace: metal3\n  annotations: {fake.metalflow.io/fail: "deploi=1"}', 'unknown step "deploi"'],
    ['bad provisioning network', `online: true\n${bmc}`, 'name: h\n  namespace: metal3\n  annotations: {metalflow.io/provisioning-network: "Rack_2"}', 'metadata.annotations.metalflow.io/provisioning-network: "Rack_2" is not a network name'],
  ])('rejects %s', (_what, spec, meta, expected) => {
    const errors = errorsFor(spec, meta);
    expect(errors.some((e) => e.includes(expected)), errors.join('\n')).toBe(true);
  });

  it.each([
    ['bare host:port (IPMI)', 'online: true\nbmc: {address: "10.0.0.1:6230", credentialsName: bmc}'],
    ['ipmi with privilege level', 'online: true\nbmc: {address: "ipmi://10.0.0.1:623?privilegelevel=OPERATOR", credentialsName: bmc}'],
    ['idrac virtual media', 'online: true\nbmc: {address: "idrac-virtualmedia://10.0.0.1/redfish/v1/Systems/System.Embedded.1", credentialsName: bmc}'],
    ['secure boot on every Redfish scheme', 'online: true\nbmc: {address: "redfish-virtualmedia://10.0.0.1/redfish/v1/Systems/1", credentialsName: bmc}\nbootMode: UEFISecureBoot'],
    ['live-iso without checksum', `online: true\n${bmc}\nimage: {url: "http://i/a.iso", format: live-iso}`],
    ['hex sha256 digest', `online: true\n${bmc}\nimage: {url: "http://i/a", checksum: "${'a'.repeat(64)}", checksumType: sha256}`],
    ['by-path device name', `online: true\n${bmc}\nrootDeviceHints: {deviceName: /dev/disk/by-path/pci-0000:00:1f.2-ata-1}`],
    ['no BMC at all (unmanaged)', 'online: false'],
    ['software RAID-1 root volume', `online: true\n${bmc}\nraid: {softwareRAIDVolumes: [{level: "1", rootVolume: true}]}`],
    ['fake annotations', `online: true\n${bmc}`, 'name: h\n  namespace: metal3\n  annotations: {fake.metalflow.io/fail: "inspect=1", fake.metalflow.io/durations: "deploy=2s"}'],
    ['provisioning network', `online: true\n${bmc}`, 'name: h\n  namespace: metal3\n  annotations: {metalflow.io/provisioning-network: rack-2}'],
  ])('accepts %s', (_what, spec, meta?: string) => {
    expect(errorsFor(spec, meta)).toEqual([]);
  });

  it('accepts the complete example', () => {
    expect(errorsFor(goodSpec)).toEqual([]);
  });

  it('reports every error of a set and applies nothing', () => {
    const r = parseManifests([{ name: 'm.yaml', text: secret + host('online: true\nbootMACAddress: x\nbmc: {address: "foo://x", credentialsName: bmc}') + host('online: true\nbmc: {address: "fake://y", credentialsName: bmc}', 'name: ok\n  namespace: metal3') }]);
    expect(r.errors.map((e) => e.field)).toEqual(['spec.bmc.address', 'spec.bootMACAddress']);
    expect(r.hosts.map((h) => h.host.metadata.name)).toEqual(['ok']); // the caller refuses the set when errors is non-empty
  });
});
