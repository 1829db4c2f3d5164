/** The BmhView memo: what it holds, and that a write which changes none of it sends no upsert. */
import { describe, expect, it } from 'vitest';
import type { BareMetalHost, BareMetalHostStatus } from '../../../src/api/types.js';
import type { HostFlags } from '../../../src/contract/index.js';
import { MAX_MEMO_BYTES, MEMO_ERROR_MESSAGE_MAX, bmhViewOf, changedMemo, currentDetailsOf, memoBytes } from '../../../src/workflows/visibility-memo.js';

const host: BareMetalHost = {
  apiVersion: 'metal3.io/v1alpha1',
  kind: 'BareMetalHost',
  metadata: { name: 'h', namespace: 'ns', labels: { rack: 'r1' } },
  spec: { online: true, bmc: { address: 'redfish://10.0.0.5/redfish/v1/Systems/1', credentialsName: 'c' }, image: { url: 'http://i/os.qcow2' }, consumerRef: { kind: 'Metal3Machine', name: 'm-1' } },
};
const status = (over: Partial<BareMetalHostStatus> = {}): BareMetalHostStatus => ({
  operationalStatus: 'OK', errorType: '', errorMessage: '', errorCount: 0, provisioningFailCount: 0, lastUpdated: '2026-01-01T00:00:00Z', poweredOn: true,
  provisioning: { state: 'provisioned', ID: 'x', image: { url: 'http://i/os.qcow2' } },
  operationHistory: { register: { start: null, end: null }, inspect: { start: 't0', end: 't1' }, provision: { start: null, end: null }, deprovision: { start: null, end: null } },
  ...over,
});
const flags: HostFlags = { deleting: false, detached: false, paused: false, inspectRequested: false, reregister: false };
const of = (s: BareMetalHostStatus, f: HostFlags = flags) => bmhViewOf({ uid: 'u', generation: 3, createdAt: '2026-01-01T00:00:00Z', host, status: s, flags: f });

describe('BmhView memo', () => {
  it('holds the get columns that are not search attributes', () => {
    expect(of(status())).toEqual({
      uid: 'u', generation: 3, createdAt: '2026-01-01T00:00:00Z', labels: { rack: 'r1' }, consumer: 'm-1', bmcAddress: 'redfish://10.0.0.5/redfish/v1/Systems/1',
      online: true, image: 'http://i/os.qcow2', provisionedImage: 'http://i/os.qcow2', hardwareProfile: '', errorMessage: '', errorCount: 0, inspectedAt: 't1',
      detached: false, rebootRequests: 0, rebootPending: false,
    });
  });

  it('is not sent again for a status write that changes none of it (lastUpdated, state, power are not in it)', () => {
    const first = of(status());
    expect(changedMemo(undefined, first)).toEqual(first);
    expect(changedMemo(first, of(status({ lastUpdated: '2026-01-02T00:00:00Z', poweredOn: false, provisioning: { state: 'provisioned', ID: 'x', image: { url: 'http://i/os.qcow2' } } })))).toBeUndefined();
    expect(changedMemo(first, of(status({ errorType: 'power management error', errorMessage: 'boom', errorCount: 1 })))).toMatchObject({ errorMessage: 'boom', errorCount: 1 });
    expect(changedMemo(first, of(status(), { ...flags, rebootRequested: 'soft', rebootRequests: 1 }))).toMatchObject({ rebootRequests: 1, rebootPending: true });
  });

  it('cuts errorMessage to MEMO_ERROR_MESSAGE_MAX characters (describe and -o yaml show it whole)', () => {
    const long = 'e'.repeat(MEMO_ERROR_MESSAGE_MAX + 500);
    const v = of(status({ errorType: 'provisioning error', errorMessage: long, errorCount: 1 }));
    expect(v.errorMessage.length).toBe(MEMO_ERROR_MESSAGE_MAX);
    expect(v.errorMessage.endsWith('…')).toBe(true);
    expect(of(status({ errorMessage: 'short' })).errorMessage).toBe('short');
  });

  it('stays under MAX_MEMO_BYTES whatever the spec holds: an oversized view drops its labels and cuts its strings', () => {
    const huge = 'x'.repeat(MAX_MEMO_BYTES);
    const big: BareMetalHost = { ...host, metadata: { ...host.metadata, labels: { rack: 'r1' } }, spec: { ...host.spec, image: { url: `http://i/${huge}` }, consumerRef: { kind: 'Metal3Machine', name: huge }, bmc: { address: huge, credentialsName: 'c' } } };
    const v = bmhViewOf({ uid: 'u', generation: 3, createdAt: '2026-01-01T00:00:00Z', host: big, status: status({ hardwareProfile: huge }), flags });
    expect(memoBytes(v)).toBeLessThanOrEqual(MAX_MEMO_BYTES);
    expect(v.labels).toEqual({});
    expect(v.image.startsWith('http://i/x')).toBe(true);
    expect(memoBytes(of(status()))).toBeLessThan(MAX_MEMO_BYTES);
    expect(of(status()).labels).toEqual({ rack: 'r1' });
  });

  it('current details show state, step and error for the Temporal UI', () => {
    expect(currentDetailsOf('provisioned', 'error', 'setPowerState', { errorType: 'power management error', errorMessage: 'boom', errorCount: 2, poweredOn: false })).toBe(
      '**State:** provisioned (error), powered off\n\n**Step:** setPowerState\n\n**Error:** power management error (2): boom',
    );
  });
});
