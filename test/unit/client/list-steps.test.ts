/** `get -o wide` looks up each host's running activity with at most DESCRIBE_CONCURRENCY describes at once. */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { DESCRIBE_CONCURRENCY, MetalflowClient } from '../../../src/client/metalflow-client.js';
import type { HostSummary } from '../../../src/contract/index.js';

describe('withSteps', () => {
  it('describes hosts DESCRIBE_CONCURRENCY at a time and keeps their order', async () => {
    let open = 0;
    let most = 0;
    const temporal = {
      workflow: {
        getHandle: (id: string) => ({
          describe: async () => {
            most = Math.max(most, ++open);
            await new Promise((r) => setTimeout(r, 5));
            open -= 1;
            return { raw: { pendingActivities: id.endsWith('-3') ? [{ activityType: { name: 'inspectHardware' } }] : [] } };
          },
        }),
      },
    } as unknown as Client;
    const client = new MetalflowClient(temporal, { address: 'x', namespace: 'default' });
    const hosts = Array.from({ length: DESCRIBE_CONCURRENCY * 3 }, (_, i) => ({ name: `h-${i}`, namespace: 'ns' }) as HostSummary);
    const out = await client.withSteps(hosts);
    expect(most).toBe(DESCRIBE_CONCURRENCY);
    expect(out.map((h) => h.name)).toEqual(hosts.map((h) => h.name));
    expect(out[3]?.step).toBe('inspectHardware');
    expect(out[4]?.step).toBe('');
  });
});
