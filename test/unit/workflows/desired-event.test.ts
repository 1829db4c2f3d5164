import { describe, expect, it } from 'vitest';
import { ProvisioningState as S, type BareMetalHostSpec, type Image } from '../../../src/api/types.js';
import { desiredEvent, retryLimitReached, type DesireInput } from '../../../src/workflows/desired-event.js';
import { HostEvent } from '../../../src/workflows/state-machine.js';

const image: Image = { url: 'http://img/a.qcow2', checksum: 'http://img/a.sha256', format: 'qcow2' };
const other: Image = { url: 'http://img/b.qcow2', checksum: 'http://img/b.sha256', format: 'qcow2' };
const spec = (over: Partial<BareMetalHostSpec> = {}): BareMetalHostSpec => ({ online: true, bmc: { address: 'fake://x', credentialsName: 'c' }, ...over });
const input = (over: Partial<DesireInput> = {}): DesireInput => ({
  state: S.Available,
  spec: spec(),
  status: { provisioning: { state: S.Available, ID: 'id' }, provisioningFailCount: 0 },
  deleting: false,
  inspectRequested: false,
  maxProvisioningRetries: 5,
  ...over,
});

describe('desiredEvent', () => {
  it('asks to provision an available host with an image and online: true', () => {
    expect(desiredEvent(input({ spec: spec({ image }) }))).toBe(HostEvent.Provision);
    expect(desiredEvent(input({ spec: spec({ customDeploy: { method: 'install' } }) }))).toBe(HostEvent.Provision);
  });

  it('does not provision an offline host or one without image', () => {
    expect(desiredEvent(input({ spec: spec({ image, online: false }) }))).toBeUndefined();
    expect(desiredEvent(input())).toBeUndefined();
  });

  it('prefers adopt, then inspect, over provision', () => {
    expect(desiredEvent(input({ spec: spec({ image, externallyProvisioned: true }) }))).toBe(HostEvent.Adopt);
    expect(desiredEvent(input({ spec: spec({ image }), inspectRequested: true }))).toBe(HostEvent.Inspect);
  });

  it('sends an available host back to preparing when its RAID or root device hints changed (BMO handleAvailable), before provisioning', () => {
    const raid = { softwareRAIDVolumes: [{ level: '1' }] };
    const prepared = (p: Partial<DesireInput['status']['provisioning']>): DesireInput['status'] => ({ provisioning: { state: S.Available, ID: 'id', ...p }, provisioningFailCount: 0 });
    expect(desiredEvent(input({ spec: spec({ image, raid }), prepareOnChange: true }))).toBe(HostEvent.Prepare);
    expect(desiredEvent(input({ spec: spec({ image, raid }), status: prepared({ raid }), prepareOnChange: true }))).toBe(HostEvent.Provision);
    expect(desiredEvent(input({ spec: spec({ image }), status: prepared({ raid }), prepareOnChange: true }))).toBe(HostEvent.Prepare); // dropped: cleared
    expect(desiredEvent(input({ spec: spec({ image }), status: prepared({ raid: { softwareRAIDVolumes: [] } }) }))).toBe(HostEvent.Provision);
    expect(desiredEvent(input({ spec: spec({ rootDeviceHints: { serialNumber: 'S2' } }), status: prepared({ rootDeviceHints: { serialNumber: 'S1' } }), prepareOnChange: true }))).toBe(HostEvent.Prepare);
    expect(desiredEvent(input({ spec: spec({ rootDeviceHints: { serialNumber: 'S1', minSizeGigabytes: 4 } }), status: prepared({ rootDeviceHints: { minSizeGigabytes: 4, serialNumber: 'S1' } }) }))).toBeUndefined();
    expect(desiredEvent(input({ spec: spec({ rootDeviceHints: {} }) }))).toBeUndefined();
    expect(desiredEvent(input({ spec: spec({ image, raid }), inspectRequested: true }))).toBe(HostEvent.Inspect);
  });

  it('sends an available host back to preparing when its firmware documents ask for work not done (BMO handleAvailable), before provisioning', () => {
    expect(desiredEvent(input({ spec: spec({ image }), firmwarePending: true, prepareOnChange: true }))).toBe(HostEvent.Prepare);
    expect(desiredEvent(input({ spec: spec({ image }), firmwarePending: false }))).toBe(HostEvent.Provision);
    expect(desiredEvent(input({ state: S.Provisioned, spec: spec({ image }), status: { provisioning: { state: S.Provisioned, ID: 'id', image }, provisioningFailCount: 0 }, firmwarePending: true }))).toBeUndefined(); // servicing's, not preparing's
  });

  it('keeps the old available rules for runs before the prepare-on-change patch (prepareOnChange not true)', () => {
    const raid = { softwareRAIDVolumes: [{ level: '1' }] };
    for (const prepareOnChange of [false, undefined]) {
      expect(desiredEvent(input({ spec: spec({ image, raid }), prepareOnChange }))).toBe(HostEvent.Provision);
      expect(desiredEvent(input({ spec: spec({ raid }), prepareOnChange }))).toBeUndefined();
      expect(desiredEvent(input({ spec: spec({ rootDeviceHints: { serialNumber: 'S2' } }), prepareOnChange }))).toBeUndefined();
      expect(desiredEvent(input({ spec: spec({ image }), firmwarePending: true, prepareOnChange }))).toBe(HostEvent.Provision);
    }
  });

  it('deletes from every deletable state, before anything else', () => {
    for (const state of [S.Unmanaged, S.Registering, S.Inspecting, S.Preparing, S.Available, S.ExternallyProvisioned, S.Provisioning, S.Provisioned]) {
      expect(desiredEvent(input({ state, deleting: true, spec: spec({ image }) }))).toBe(HostEvent.Delete);
    }
    for (const state of [S.Deprovisioning, S.PoweringOffBeforeDelete, S.Deleting]) {
      expect(desiredEvent(input({ state, deleting: true }))).toBeUndefined();
    }
  });

  it('manages an unmanaged host once it has a BMC address', () => {
    expect(desiredEvent(input({ state: S.Unmanaged, spec: { online: false } }))).toBeUndefined();
    expect(desiredEvent(input({ state: S.Unmanaged }))).toBe(HostEvent.Manage);
  });

  it('deprovisions a provisioned host whose image was removed or changed', () => {
    const status = { provisioning: { state: S.Provisioned, ID: 'id', image }, provisioningFailCount: 0, lastAttemptedImage: image };
    expect(desiredEvent(input({ state: S.Provisioned, status, spec: spec({ image }) }))).toBeUndefined();
    expect(desiredEvent(input({ state: S.Provisioned, status, spec: spec() }))).toBe(HostEvent.Deprovision);
    expect(desiredEvent(input({ state: S.Provisioned, status, spec: spec({ image: other }) }))).toBe(HostEvent.Deprovision);
  });

  it('cancels provisioning when the image changes mid-way', () => {
    const status = { provisioning: { state: S.Provisioning, ID: 'id' }, provisioningFailCount: 0, lastAttemptedImage: image };
    expect(desiredEvent(input({ state: S.Provisioning, status, spec: spec({ image }) }))).toBeUndefined();
    expect(desiredEvent(input({ state: S.Provisioning, status, spec: spec({ image: other }) }))).toBe(HostEvent.Deprovision);
  });

  it('un-adopts when externallyProvisioned is cleared', () => {
    expect(desiredEvent(input({ state: S.ExternallyProvisioned, spec: spec({ externallyProvisioned: true }) }))).toBeUndefined();
    expect(desiredEvent(input({ state: S.ExternallyProvisioned, spec: spec({ externallyProvisioned: false }) }))).toBe(HostEvent.Unadopt);
  });

  it('stops provisioning the same image after max retries, not a new image', () => {
    const status = { provisioning: { state: S.Available, ID: 'id' }, provisioningFailCount: 5, lastAttemptedImage: image };
    expect(retryLimitReached({ spec: spec({ image }), status, maxProvisioningRetries: 5 })).toBe(true);
    expect(desiredEvent(input({ spec: spec({ image }), status }))).toBeUndefined();
    expect(desiredEvent(input({ spec: spec({ image: other }), status }))).toBe(HostEvent.Provision);
    expect(desiredEvent(input({ spec: spec({ image }), status: { ...status, provisioningFailCount: 4 } }))).toBe(HostEvent.Provision);
    expect(desiredEvent(input({ spec: spec({ image }), status, maxProvisioningRetries: 0 }))).toBe(HostEvent.Provision);
  });
});
