import { describe, expect, it } from 'vitest';
import { ErrorType, OperationalStatus, ProvisioningState as S, type BareMetalHostStatus } from '../../../src/api/types.js';
import { changedSearchAttributes, searchAttributesOf } from '../../../src/workflows/search-attributes.js';

const status = (over: Partial<BareMetalHostStatus> = {}): BareMetalHostStatus => ({
  operationalStatus: OperationalStatus.OK,
  errorType: ErrorType.None,
  errorMessage: '',
  errorCount: 0,
  provisioningFailCount: 0,
  lastUpdated: '',
  poweredOn: false,
  provisioning: { state: S.Available, ID: 'x' },
  operationHistory: { register: { start: null, end: null }, inspect: { start: null, end: null }, provision: { start: null, end: null }, deprovision: { start: null, end: null } },
  ...over,
});

describe('search attribute mapping', () => {
  it('maps status fields onto the Bmh* attributes', () => {
    expect(searchAttributesOf('h0', 'metal3', status({ poweredOn: true, errorType: ErrorType.Inspection, operationalStatus: OperationalStatus.Error }))).toEqual({
      BmhName: 'h0',
      BmhNamespace: 'metal3',
      BmhState: 'available',
      BmhOperationalStatus: 'error',
      BmhErrorType: 'inspection error',
      BmhPoweredOn: true,
    });
  });

  it('writes "none" for empty state and errorType so they stay filterable', () => {
    const sa = searchAttributesOf('h0', 'ns', status({ provisioning: { state: S.None, ID: '' } }));
    expect(sa.BmhState).toBe('none');
    expect(sa.BmhErrorType).toBe('none');
  });

  it('upserts everything the first time, then only what changed', () => {
    const first = searchAttributesOf('h0', 'ns', status());
    expect(changedSearchAttributes(undefined, first).map((p) => p.key.name)).toEqual(['BmhName', 'BmhNamespace', 'BmhState', 'BmhOperationalStatus', 'BmhErrorType', 'BmhPoweredOn']);
    const second = searchAttributesOf('h0', 'ns', status({ provisioning: { state: S.Provisioning, ID: 'x' } }));
    const changes = changedSearchAttributes(first, second);
    expect(changes.map((p) => [p.key.name, p.value])).toEqual([['BmhState', 'provisioning']]);
    expect(changedSearchAttributes(second, second)).toEqual([]);
  });
});
