import { describe, expect, it } from 'vitest';
import { STATUS_ANNOTATION, adoptImportedStatus, parseImportedStatus, validateStatusAnnotation } from '../../../src/api/imported-status.js';
import { ErrorType, OperationalStatus, ProvisioningState as S, type BareMetalHostSpec, type BareMetalHostStatus } from '../../../src/api/types.js';

const image = { url: 'http://images.test.invalid/os.qcow2', checksum: 'http://images.test.invalid/os.qcow2.sha256sum', checksumType: 'sha256' as const, format: 'qcow2' as const };
const spec: BareMetalHostSpec = { online: true, image, bmc: { address: 'fake://a', credentialsName: 'c' } };
const provisioned = {
  operationalStatus: 'OK',
  errorType: '',
  errorMessage: '',
  errorCount: 0,
  provisioningFailCount: 0,
  lastUpdated: '2026-01-01T00:00:00Z',
  hardwareProfile: 'unknown',
  poweredOn: true,
  goodCredentials: { credentials: { name: 'c', namespace: 'm' }, credentialsVersion: '1234' },
  operationHistory: { register: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:00:01Z' }, inspect: { start: null, end: null }, provision: { start: '2026-01-01T00:01:00Z', end: '2026-01-01T00:09:00Z' }, deprovision: { start: null, end: null } },
  provisioning: { state: 'provisioned', ID: '6c4f5a4c-6f0b-4b5a-9d1e-2b8e1f0c9a11', image, bootMode: 'UEFI', rootDeviceHints: { deviceName: '/dev/sda' }, raid: { hardwareRAIDVolumes: null, softwareRAIDVolumes: [] }, firmware: {} },
  conditions: [{ type: 'Ready', status: 'True', reason: 'x', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }],
};

describe('imported BareMetalHost status', () => {
  it('accepts a provisioned export and keeps what adoption copies', () => {
    const r = parseImportedStatus(provisioned, spec, 'status');
    expect(r.errors).toEqual([]);
    expect(r.imported?.state).toBe('provisioned');
    expect(r.imported?.status.provisioning.ID).toBe(provisioned.provisioning.ID);
    expect(r.imported?.status.operationHistory?.provision.end).toBe('2026-01-01T00:09:00Z');
    expect(r.imported?.status.hardwareProfile).toBe('unknown');
  });

  it('an empty status imports nothing', () => {
    expect(parseImportedStatus({}, spec, 'status')).toEqual({ errors: [] });
    expect(parseImportedStatus(undefined, spec, 'status')).toEqual({ errors: [] });
    expect(parseImportedStatus({ provisioning: { state: '' } }, spec, 'status').imported).toBeUndefined();
  });

  it('maps the legacy states: ready -> available, match profile -> preparing', () => {
    expect(parseImportedStatus({ provisioning: { state: 'ready', ID: 'x' } }, spec, 'status').imported?.state).toBe('available');
    expect(parseImportedStatus({ provisioning: { state: 'match profile', ID: 'x' } }, spec, 'status').imported?.state).toBe('preparing');
  });

  it.each(['provisioning', 'deprovisioning', 'powering off before delete', 'deleting'])('rejects the transient state %s', (state) => {
    const r = parseImportedStatus({ provisioning: { state, ID: 'x' } }, spec, 'status');
    expect(r.imported).toBeUndefined();
    expect(r.errors).toEqual([]); // only a host that does not exist yet is refused (apply)
    expect(r.adoptionErrors).toEqual([{ field: 'status.provisioning.state', reason: `${state}: a host cannot be adopted in a transient state; export it once it is provisioned, available or externally provisioned` }]);
  });

  it('rejects a provisioned export whose spec.image differs from status.provisioning.image', () => {
    const r = parseImportedStatus(provisioned, { ...spec, image: { ...image, url: 'http://images.test.invalid/new.qcow2' } }, 'status');
    expect(r.errors).toEqual([]);
    expect(r.imported).toBeUndefined();
    expect(r.adoptionErrors).toEqual([{ field: 'status.provisioning.image', reason: 'differs from spec.image: the host was being re-provisioned when exported; set spec.image to the provisioned image to adopt it' }]);
  });

  it('rejects a provisioned export without spec.image', () => {
    const { image: _i, ...noImage } = spec;
    expect(parseImportedStatus(provisioned, noImage, 'status').adoptionErrors?.[0]?.field).toBe('spec.image');
  });

  it('rejects unknown fields and bad enums with field paths', () => {
    expect(parseImportedStatus({ ...provisioned, bogus: 1 }, spec, 'status').errors).toEqual([{ field: 'status.bogus', reason: 'unknown field' }]);
    expect(parseImportedStatus({ ...provisioned, operationalStatus: 'NotOK' }, spec, 'status').errors).toEqual([{ field: 'status.operationalStatus', reason: "invalid operationalStatus 'NotOK'" }]);
    expect(parseImportedStatus({ ...provisioned, provisioning: { ...provisioned.provisioning, state: 'flying' } }, spec, 'status').errors[0]?.field).toBe('status.provisioning.state');
    expect(parseImportedStatus({ ...provisioned, poweredOn: 'yes' }, spec, 'status').errors).toEqual([{ field: 'status.poweredOn', reason: 'must be a boolean' }]);
    expect(parseImportedStatus({ ...provisioned, provisioning: { ...provisioned.provisioning, extra: 1 } }, spec, 'status').errors).toEqual([{ field: 'status.provisioning.extra', reason: 'unknown field' }]);
    expect(parseImportedStatus('x', spec, 'status').errors).toEqual([{ field: 'status', reason: 'must be an object' }]);
  });

  it('accepts the status.firmware our own `get -o yaml` exports (round trip), with its shape checked', () => {
    const firmware = {
      settings: { BootMode: 'Uefi', ProcTurboMode: 'Enabled' },
      schemaName: 'schema-0123abcd',
      schema: { ProcTurboMode: { attribute_type: 'Enumeration', allowable_values: ['Enabled', 'Disabled'], read_only: false } },
      appliedSettings: { ProcTurboMode: 'Enabled', Count: 3 },
      components: [{ component: 'bios', initialVersion: '1.0', currentVersion: '1.1', lastVersionFlashed: '1.1', updatedAt: '2026-01-01T00:00:00Z' }],
      updates: [{ component: 'bios', url: 'http://fw.test.invalid/bios.bin' }],
    };
    expect(parseImportedStatus({ ...provisioned, firmware }, spec, 'status').errors).toEqual([]);
    expect(parseImportedStatus({ ...provisioned, firmware: { ...firmware, settings: { A: 1 } } }, spec, 'status').errors).toEqual([{ field: 'status.firmware.settings.A', reason: 'must be a string' }]);
    expect(parseImportedStatus({ ...provisioned, firmware: { ...firmware, updates: {} } }, spec, 'status').errors).toEqual([{ field: 'status.firmware.updates', reason: 'must be a list' }]);
    expect(parseImportedStatus({ ...provisioned, firmware: { ...firmware, components: [{ component: 'bios' }] } }, spec, 'status').errors).toEqual([{ field: 'status.firmware.components[0].initialVersion', reason: 'is required' }]);
    expect(parseImportedStatus({ ...provisioned, firmware: { bogus: 1 } }, spec, 'status').errors).toEqual([{ field: 'status.firmware.bogus', reason: 'unknown field' }]);
  });

  it('checks status.provisioning.raid with the spec RAID rules (workflow code compares it)', () => {
    const raid = (r: unknown): unknown => parseImportedStatus({ ...provisioned, provisioning: { ...provisioned.provisioning, raid: r } }, spec, 'status').errors;
    expect(raid({ softwareRAIDVolumes: [null] })).toEqual([{ field: 'status.provisioning.raid.softwareRAIDVolumes[0]', reason: 'must be an object' }]);
    expect(raid({ softwareRAIDVolumes: 3 })).toEqual([{ field: 'status.provisioning.raid.softwareRAIDVolumes', reason: 'must be a list' }]);
    expect(raid({ softwareRAIDVolumes: [{ level: '5' }] })).toEqual([{ field: 'status.provisioning.raid.softwareRAIDVolumes[0].level', reason: 'must be one of 0, 1, 1+0' }]);
    expect(raid({ softwareRAIDVolumes: [{ level: '1' }, { level: '0', sizeGibibytes: 10 }] })).toEqual([]);
    expect(raid({ hardwareRAIDVolumes: [{ level: '5', name: 'v' }] })).toEqual([]); // applied by BMO: kept, only compared
    expect(raid({ hardwareRAIDVolumes: [{ level: 'x' }] })).toEqual([{ field: 'status.provisioning.raid.hardwareRAIDVolumes[0].level', reason: 'must be one of 0, 1, 2, 5, 6, 1+0, 5+0, 6+0' }]);
  });

  it("checks status.hardware with BMO's HardwareDetails shape (describe reads it)", () => {
    expect(parseImportedStatus({ ...provisioned, hardware: { nics: 5 } }, spec, 'status').errors).toEqual([{ field: 'status.hardware', reason: 'json: cannot unmarshal number into an array at nics' }]);
    expect(parseImportedStatus({ ...provisioned, hardware: { cpu: { cores: 2 } } }, spec, 'status').errors).toEqual([{ field: 'status.hardware', reason: 'json: unknown field "cores" at cpu' }]);
    const r = parseImportedStatus({ ...provisioned, hardware: { nics: [{ name: 'eno1', vlans: [{ id: 1 }] }], storage: [{ name: '/dev/sda' }] } }, spec, 'status');
    expect(r.errors).toEqual([]);
    expect(r.imported?.status.hardware).toEqual({ nics: [{ name: 'eno1', mac: '', vlans: [{ id: 1 }] }], storage: [{ name: '/dev/sda', sizeBytes: 0 }] });
  });

  it('accepts the servicing enums', () => {
    const r = parseImportedStatus({ ...provisioned, operationalStatus: 'servicing', errorType: 'servicing error', errorMessage: 'boom' }, spec, 'status');
    expect(r.errors).toEqual([]);
    // Not imported: registration is a fresh check, and an imported error would never be cleared.
    expect(r.imported?.status.errorType).toBeUndefined();
    expect(r.imported?.status.errorMessage).toBeUndefined();
  });
});

describe('adoptImportedStatus', () => {
  const fresh = (): BareMetalHostStatus => ({
    operationalStatus: OperationalStatus.OK, errorType: ErrorType.None, errorMessage: '', errorCount: 0, provisioningFailCount: 0, lastUpdated: 'now', poweredOn: false,
    provisioning: { state: S.None, ID: '' },
    operationHistory: { register: { start: null, end: null }, inspect: { start: null, end: null }, provision: { start: null, end: null }, deprovision: { start: null, end: null } },
  });

  it('merges a partial operation history per operation over the defaults, ignoring null ones', () => {
    for (const history of [{}, { deprovision: null, provision: { start: 'a', end: 'b' } }, null]) {
      const r = parseImportedStatus({ ...provisioned, operationHistory: history }, spec, 'status');
      expect(r.errors).toEqual([]);
      const status = fresh();
      adoptImportedStatus(status, r.imported!);
      expect(status.operationHistory.deprovision).toEqual({ start: null, end: null });
      expect(status.operationHistory.register).toEqual({ start: null, end: null });
      expect(status.operationHistory.provision).toEqual(history && 'provision' in history ? { start: 'a', end: 'b' } : { start: null, end: null });
    }
  });

  it('takes the rest of the status but not the state', () => {
    const status = fresh();
    adoptImportedStatus(status, parseImportedStatus(provisioned, spec, 'status').imported!);
    expect(status.provisioning.state).toBe(S.None);
    expect(status.provisioning.ID).toBe(provisioned.provisioning.ID);
    expect(status.operationHistory.provision).toEqual(provisioned.operationHistory.provision);
    expect(status.poweredOn).toBe(true);
  });
});

describe('the baremetalhost.metal3.io/status annotation (BMO webhook texts)', () => {
  const field = `metadata.annotations.${STATUS_ANNOTATION}`;
  it('accepts a valid annotation', () => {
    expect(validateStatusAnnotation({ [STATUS_ANNOTATION]: '{"operationalStatus": "OK"}' })).toEqual([]);
    expect(validateStatusAnnotation({})).toEqual([]);
  });
  it('rejects unknown fields, bad JSON and bad enums as BMO does', () => {
    expect(validateStatusAnnotation({ [STATUS_ANNOTATION]: '{"InvalidField":"NotOK"}' })).toEqual([{ field, reason: 'error decoding status annotation: json: unknown field "InvalidField"' }]);
    expect(validateStatusAnnotation({ [STATUS_ANNOTATION]: '{"operationalStatus":"OK"' })).toEqual([{ field, reason: 'error decoding status annotation: unexpected EOF' }]);
    expect(validateStatusAnnotation({ [STATUS_ANNOTATION]: '{"operationalStatus":"NotOK"}' })).toEqual([{ field, reason: "invalid operationalStatus 'NotOK' in the baremetalhost.metal3.io/status annotation" }]);
    expect(validateStatusAnnotation({ [STATUS_ANNOTATION]: '{"errorType":"No Error"}' })).toEqual([{ field, reason: "invalid errorType 'No Error' in the baremetalhost.metal3.io/status annotation" }]);
  });
  it('reads the annotation when the document has no status', () => {
    const r = parseImportedStatus(JSON.stringify(provisioned), spec, 'annotation');
    expect(r.imported?.state).toBe('provisioned');
  });
});
