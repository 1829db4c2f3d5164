/**
 * What `get` does with hosts visibility cannot fully show: runs recorded before the BmhView memo
 * (no memo until their next live change) and, for `-o yaml|json`, hosts whose worker does not answer.
 */
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../../src/api/label-selector.js';
import { hostsTable } from '../../../src/client/cli/format.js';
import { noViewWarning, selectListed, unansweredWarning } from '../../../src/client/cli/select-hosts.js';
import { MetalflowClient, QUERY_CONCURRENCY, summaryOf } from '../../../src/client/metalflow-client.js';
import { MemoKey, type HostSummary, type HostView } from '../../../src/contract/index.js';

const START = new Date('2026-03-02T10:00:00Z');
const NOW = Date.parse('2026-03-02T12:00:00Z');
const memo = { uid: 'u', generation: 2, createdAt: START.toISOString(), labels: { rack: 'r1' }, consumer: 'm-1', bmcAddress: 'redfish://10.0.0.5', online: true, image: 'http://i/os.qcow2' };
const listed = (name: string, withMemo: boolean): HostSummary =>
  summaryOf({ workflowId: `bmh/ns/${name}`, startTime: START, typedSearchAttributes: new TypedSearchAttributes(), memo: withMemo ? { [MemoKey.view]: memo } : {} }) as HostSummary;

describe('hosts without a BmhView memo', () => {
  it('are marked, and the table shows <unknown> for the memo columns instead of false and blanks', () => {
    expect(listed('old', false).noView).toBe(true);
    expect(listed('new', true).noView).toBeUndefined();
    const lines = hostsTable([listed('new', true), listed('old', false)], { now: NOW }).split('\n');
    expect(lines[1]).toMatch(/^new\s+m-1\s+true\s+2h$/);
    expect(lines[2]).toMatch(/^old\s+<unknown>\s+<unknown>\s+2h$/);
    const wide = hostsTable([{ ...listed('old', false), step: '' }], { wide: true, now: NOW }).split('\n')[1] ?? '';
    expect(wide.match(/<unknown>/g)).toHaveLength(5); // CONSUMER BMC ONLINE IMAGE GENERATION
  });

  it('-l does not match them on the empty labels they appear to have: they are set apart for the caller to warn about', () => {
    const hosts = [listed('new', true), listed('old', false)];
    expect(selectListed(hosts, parseLabelSelector('rack=r1'))).toEqual({ selected: [hosts[0]], noView: [hosts[1]] });
    // "!rack" would match the empty labels of a memo-less host: it must not.
    expect(selectListed(hosts, parseLabelSelector('!rack'))).toEqual({ selected: [], noView: [hosts[1]] });
    expect(selectListed(hosts, undefined)).toEqual({ selected: hosts, noView: [] });
    expect(noViewWarning([hosts[1] as HostSummary])).toBe('warning: -l skipped 1 host with no labels in visibility yet (recorded before the BmhView memo) and no answer from the worker: ns/old\n');
  });
});

describe('get -o yaml|json with hosts that do not answer', () => {
  it('collects the hosts whose query failed instead of dropping them silently', async () => {
    const ids = ['bmh/ns/a', 'bmh/ns/b', 'bmh/ns/c'];
    const view = (id: string): HostView => ({ name: id.split('/')[2], namespace: 'ns' }) as HostView;
    const temporal = {
      workflow: {
        list: async function* () {
          for (const workflowId of ids) yield { workflowId };
        },
        getHandle: (id: string) => ({ query: async () => (id === 'bmh/ns/b' ? Promise.reject(new Error('no poller')) : view(id)) }),
      },
    } as unknown as Client;
    const client = new MetalflowClient(temporal, { address: 'x', namespace: 'default' });
    const got = await client.viewsOf('ns');
    expect(got.views.map((v) => v.name)).toEqual(['a', 'c']);
    expect(got.unanswered).toEqual(['ns/b']);
    expect(unansweredWarning(got.unanswered)).toBe('warning: 1 host did not answer (worker down?), left out: ns/b\n');
    expect(unansweredWarning(['ns/b', 'ns/d'])).toBe('warning: 2 hosts did not answer (worker down?), left out: ns/b, ns/d\n');
  });
});

describe('queries fanned out over the fleet', () => {
  it(`keeps at most QUERY_CONCURRENCY host queries in flight, however many hosts are listed`, async () => {
    const ids = Array.from({ length: QUERY_CONCURRENCY * 4 + 3 }, (_, i) => `bmh/ns/h${String(i).padStart(3, '0')}`);
    let inFlight = 0;
    let most = 0;
    const temporal = {
      workflow: {
        list: async function* () {
          for (const workflowId of ids) yield { workflowId };
        },
        getHandle: (id: string) => ({
          query: async (): Promise<HostView> => {
            most = Math.max(most, ++inFlight);
            await new Promise((r) => setTimeout(r, 1));
            inFlight--;
            return { name: id.split('/')[2], namespace: 'ns' } as HostView;
          },
        }),
      },
    } as unknown as Client;
    const got = await new MetalflowClient(temporal, { address: 'x', namespace: 'default' }).viewsOf('ns');
    expect(got.views).toHaveLength(ids.length);
    expect(most).toBe(QUERY_CONCURRENCY);
  });
});
