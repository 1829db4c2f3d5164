import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { asYaml, describeText, hostsTable } from '../../../src/client/cli/format.js';
import type { HostSummary, HostView } from '../../../src/contract/index.js';
import { bmhViewOf } from '../../../src/workflows/visibility-memo.js';

/** The host as `get` reads it from visibility: search attributes plus the BmhView memo the workflow publishes. */
const listed = (v: HostView, step: string): HostSummary & { step: string } => ({
  ...bmhViewOf({ uid: v.uid, generation: v.generation, createdAt: v.createdAt, host: { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: v.name, namespace: v.namespace, labels: v.labels }, spec: v.spec }, status: v.status, flags: { deleting: false, detached: false, paused: false, inspectRequested: false, reregister: false } }),
  name: v.name,
  namespace: v.namespace,
  state: v.status.provisioning.state,
  operationalStatus: v.status.operationalStatus,
  errorType: v.status.errorType,
  poweredOn: v.status.poweredOn,
  step,
});

const NOW = Date.parse('2026-03-02T12:00:00Z');
const base: HostView = {
  name: 'worker-0',
  namespace: 'metal3',
  uid: '3c1d8a0e-8a8f-4d1b-8d0b-4a6f0b6c2e10',
  generation: 2,
  createdAt: '2026-03-02T10:00:00Z',
  spec: {
    online: true,
    bmc: { address: 'redfish://10.0.0.5/redfish/v1/Systems/1', credentialsName: 'bmc' },
    image: { url: 'http://images.test/os.qcow2', checksum: 'http://images.test/os.qcow2.sha256sum', format: 'qcow2' },
    consumerRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'Metal3Machine', name: 'prod-workers-x7k2p', namespace: 'metal3' },
    description: 'rack 4, slot 2',
  },
  annotations: {},
  labels: { role: 'worker' },
  status: {
    operationalStatus: 'OK',
    errorType: '',
    errorMessage: '',
    errorCount: 0,
    provisioningFailCount: 0,
    lastUpdated: '2026-03-02T11:00:00Z',
    poweredOn: true,
    provisioning: { state: 'provisioned', ID: 'abc' },
    operationHistory: { register: { start: null, end: null }, inspect: { start: null, end: null }, provision: { start: null, end: null }, deprovision: { start: null, end: null } },
  },
  paused: false,
  detached: false,
  deleting: false,
  currentStep: 'waiting (power sync)',
  secretRefs: { credentials: { name: 'bmc', keys: ['password', 'username'] } },
};
const spare: HostView = {
  ...base,
  name: 'spare-1',
  uid: 'u2',
  generation: 1,
  createdAt: '2026-03-02T11:58:00Z',
  spec: { online: false, bmc: { address: 'ipmi://10.0.0.6', credentialsName: 'bmc' } },
  labels: {},
  status: { ...base.status, operationalStatus: 'error', errorType: 'registration error', poweredOn: false, provisioning: { state: 'registering', ID: 'def' } },
  currentStep: 'registerHost',
};

describe('get columns (kubectl get bmh)', () => {
  it('prints NAME STATE CONSUMER ONLINE ERROR AGE', () => {
    expect(hostsTable([listed(base, ''), listed(spare, '')], { now: NOW })).toBe([
      'NAME       STATE         CONSUMER             ONLINE   ERROR                AGE',
      'worker-0   provisioned   prod-workers-x7k2p   true                          2h',
      'spare-1    registering                        false    registration error   2m',
    ].join('\n'));
  });

  it('-o wide prints NAME STATUS STATE CONSUMER BMC ONLINE ERROR AGE, then IMAGE POWERED GENERATION STEP', () => {
    expect(hostsTable([listed(base, 'waiting (power sync)'), listed(spare, 'registerHost')], { now: NOW, wide: true })).toBe([
      'NAME       STATUS   STATE         CONSUMER             BMC                                       ONLINE   ERROR                AGE   IMAGE                         POWERED   GENERATION   STEP',
      'worker-0   OK       provisioned   prod-workers-x7k2p   redfish://10.0.0.5/redfish/v1/Systems/1   true                          2h    http://images.test/os.qcow2   true      2            waiting (power sync)',
      'spare-1    error    registering                        ipmi://10.0.0.6                           false    registration error   2m                                  false     1            registerHost',
    ].join('\n'));
  });

  it('-A adds NAMESPACE first', () => {
    expect(hostsTable([listed(base, '')], { now: NOW, allNamespaces: true }).split('\n')[0]).toBe('NAMESPACE   NAME       STATE         CONSUMER             ONLINE   ERROR   AGE');
  });
});

describe('get -o yaml', () => {
  it('prints a kubectl List with server metadata, spec and status', () => {
    const doc = parse(asYaml([base, spare], false)) as Record<string, unknown>;
    expect(doc.apiVersion).toBe('v1');
    expect(doc.kind).toBe('List');
    expect(doc.metadata).toEqual({ resourceVersion: '' });
    const items = doc.items as Array<Record<string, unknown>>;
    expect(items[0]?.metadata).toEqual({ creationTimestamp: '2026-03-02T10:00:00Z', generation: 2, labels: { role: 'worker' }, name: 'worker-0', namespace: 'metal3', uid: base.uid });
    expect(items[1]?.metadata).not.toHaveProperty('labels'); // empty maps are left out, as kubectl does
    expect(items[0]?.spec).toEqual(base.spec);
    expect(items[0]?.status).toEqual(base.status);
  });
});

describe('describe', () => {
  it('shows the description and the consumer', () => {
    const text = describeText({ view: base, workflowId: 'bmh/metal3/worker-0', runId: 'r', pendingActivities: [] });
    expect(text).toContain('  Description:        rack 4, slot 2');
    expect(text).toContain('  Consumer:           Metal3Machine metal3/prod-workers-x7k2p');
    expect(text).toContain('Labels:               role=worker');
  });
});
