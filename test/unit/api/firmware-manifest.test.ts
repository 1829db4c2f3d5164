/** HostFirmwareSettings / HostFirmwareComponents / HostUpdatePolicy documents in a manifest, attached to their host. */
import { describe, expect, it } from 'vitest';
import { FIRMWARE_MAX_SETTINGS, FIRMWARE_MAX_UPDATES } from '../../../src/api/firmware-manifest.js';
import { parseManifests } from '../../../src/api/manifest.js';

const HOST = `apiVersion: v1
kind: Secret
metadata: {name: bmc, namespace: metal3}
stringData: {username: admin, password: pw}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: h, namespace: metal3}
spec:
  online: true
  bootMACAddress: 52:54:00:00:00:01
  bmc: {address: redfish://10.0.0.1/redfish/v1/Systems/1, credentialsName: bmc}
`;

const doc = (kind: string, spec: string, name = 'h'): string => `---
apiVersion: metal3.io/v1alpha1
kind: ${kind}
metadata: {name: ${name}, namespace: metal3}
spec:
${spec}
`;

const parse = (...docs: string[]): ReturnType<typeof parseManifests> => parseManifests([{ name: 'm.yaml', text: [HOST, ...docs].join('\n') }]);
const reasons = (r: ReturnType<typeof parseManifests>): string[] => r.errors.map((e) => `${e.field}: ${e.reason}`);

describe('firmware documents in manifests', () => {
  it('attaches HFS, HFC and HostUpdatePolicy to the host of the same namespace/name', () => {
    const r = parse(
      doc('HostFirmwareSettings', '  settings: {ProcTurboMode: Disabled, NumCores: 12}'),
      doc('HostFirmwareComponents', '  updates: [{component: bios, url: "https://fw/bios.bin"}]'),
      doc('HostUpdatePolicy', '  firmwareSettings: onReboot\n  firmwareUpdates: onReboot'),
    );
    expect(r.errors).toEqual([]);
    expect(r.hosts[0]?.firmware).toEqual({
      settings: { ProcTurboMode: 'Disabled', NumCores: 12 },
      updates: [{ component: 'bios', url: 'https://fw/bios.bin' }],
      updatePolicy: { firmwareSettings: 'onReboot', firmwareUpdates: 'onReboot' },
    });
  });

  it('refuses an orphan (no host of that name in this apply)', () => {
    expect(reasons(parse(doc('HostFirmwareSettings', '  settings: {A: b}', 'other')))).toEqual([
      "metadata.name: no BareMetalHost metal3/other in this apply; apply it with its BareMetalHost (apply replaces a host's definition whole)",
    ]);
  });

  it('refuses bad values with field: reason (BMO texts for components and URLs)', () => {
    expect(
      reasons(
        parse(
          doc('HostFirmwareSettings', '  settings: {A: [1], B: 1.5}\n  extra: 1'),
          doc('HostFirmwareComponents', '  updates: [{component: raid, url: "https://fw/x"}, {component: bios, url: "file:///x", sha: 1}]'),
          doc('HostUpdatePolicy', '  firmwareSettings: always'),
        ),
      ),
    ).toEqual([
      'spec.extra: unknown field (HostFirmwareSettings has spec.settings)',
      'spec.settings.A: must be a string or an integer',
      'spec.settings.B: must be a string or an integer',
      'spec.updates[1].sha: unknown field',
      "spec.updates[0].component: component raid is invalid, only 'bmc', 'bios', or names starting with 'nic:' are allowed as update names",
      'spec.updates[1].url: invalid URL "file:///x" in FirmwareUpdate in component "bios": invalid scheme in URL, "file" not allowed',
      'spec.firmwareSettings: Unsupported value: "always": supported values: "onPreparing", "onReboot"',
    ]);
  });

  it('refuses a second document of one kind for a host', () => {
    expect(reasons(parse(doc('HostUpdatePolicy', '  firmwareSettings: onReboot'), doc('HostUpdatePolicy', '  firmwareSettings: onPreparing')))).toEqual(['metadata.name: appears more than once']);
  });

  it('caps settings and updates', () => {
    const settings = Array.from({ length: FIRMWARE_MAX_SETTINGS + 1 }, (_, i) => `S${i}: x`).join(', ');
    const updates = Array.from({ length: FIRMWARE_MAX_UPDATES + 1 }, () => '{component: bios, url: "https://fw/b"}').join(', ');
    expect(reasons(parse(doc('HostFirmwareSettings', `  settings: {${settings}}`), doc('HostFirmwareComponents', `  updates: [${updates}]`)))).toEqual([
      `spec.settings: has ${FIRMWARE_MAX_SETTINGS + 1} settings, more than ${FIRMWARE_MAX_SETTINGS}`,
      `spec.updates: has ${FIRMWARE_MAX_UPDATES + 1} updates, more than ${FIRMWARE_MAX_UPDATES}`,
    ]);
  });
});
