/**
 * `get`, `get -A`, `watch` and `wait` read visibility (the Bmh* search attributes and the BmhView
 * memo): they send no query, so they work, and show every host, with no worker running.
 */
import { spawn } from 'node:child_process';
import { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { MetalflowClient } from '../../../src/client/metalflow-client.js';
import type { HostSummary } from '../../../src/contract/index.js';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-visibility';
const stack = useTestStack();

/** Visibility is eventually consistent: poll the listing until `ok` holds (no timing asserted). */
async function listedUntil(client: MetalflowClient, ok: (hosts: HostSummary[]) => boolean, timeoutMs = 30_000): Promise<HostSummary[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hosts = await client.list(NS);
    if (ok(hosts) || Date.now() > deadline) return hosts;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('reads without queries', () => {
  let queries = 0;
  /** A client whose every query is counted (a workflow client interceptor). */
  const counting = (): MetalflowClient => {
    const temporal = new Client({
      connection: stack.client.temporal.connection,
      namespace: stack.namespace,
      interceptors: { workflow: [{ query: (input, next) => { queries += 1; return next(input); } }] },
    });
    return new MetalflowClient(temporal, stack.client.config, undefined, stack.taskQueue);
  };

  it('list, summary and waitForSummary show state, memo columns and labels with zero queries', async () => {
    const text = fakeHostsManifest(NS, [{ name: 'vis-0', image: true }, { name: 'vis-1' }])
      .replace(`name: vis-0\n  namespace: ${NS}\n`, `name: vis-0\n  namespace: ${NS}\n  labels:\n    rack: "r1"\n`);
    await stack.client.apply([{ name: 'vis.yaml', text }]);
    await stack.client.waitFor(NS, 'vis-0', (h) => h.status.provisioning.state === 'provisioned', 60_000);
    await stack.client.waitFor(NS, 'vis-1', (h) => h.status.provisioning.state === 'available' && h.status.poweredOn, 60_000);

    const client = counting();
    const hosts = await listedUntil(client, (l) => l.length === 2 && l[0]?.state === 'provisioned' && l[1]?.state === 'available' && l[1].poweredOn);
    expect(hosts.map((h) => [h.name, h.state, h.operationalStatus, h.poweredOn, h.online, h.bmcAddress, h.labels])).toEqual([
      ['vis-0', 'provisioned', 'OK', true, true, 'fake://vis-0', { rack: 'r1' }],
      ['vis-1', 'available', 'OK', true, true, 'fake://vis-1', {}],
    ]);
    const [vis0] = hosts;
    expect(vis0?.image).toBe(`http://images.test.invalid/vis-0.qcow2`);
    expect(vis0?.provisionedImage).toBe(vis0?.image);
    expect(vis0?.inspectedAt).not.toBe('');
    expect(vis0?.generation).toBe(1);
    expect(Date.parse(vis0?.createdAt ?? '')).toBeGreaterThan(0);
    expect((await client.summary(NS, 'vis-1')).state).toBe('available');
    expect((await client.waitForSummary(NS, 'vis-0', (h) => h.poweredOn, 5_000)).state).toBe('provisioned');
    expect((await client.withSteps(hosts)).map((h) => h.name)).toEqual(['vis-0', 'vis-1']);
    expect(queries).toBe(0);
    await client.view(NS, 'vis-0'); // the counter counts: describe's full view is a query
    expect(queries).toBe(1);
  });

  it('a spec edit (power off) and a reboot show in the memo, and reboot --wait ends', async () => {
    const off = await stack.metalflow(['power', 'off', 'vis-1', '-n', NS, '--wait', '--timeout', '1m']);
    expect(off).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/vis-1 power off requested\nbaremetalhost.metal3.io/vis-1 condition met (poweredOn=false)\n' });
    expect((await stack.client.summary(NS, 'vis-1')).online).toBe(false);
    const reboot = await stack.metalflow(['reboot', 'vis-0', '-n', NS, '--wait', '--timeout', '1m']);
    expect(reboot).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/vis-0 soft reboot requested\nbaremetalhost.metal3.io/vis-0 condition met (rebooted)\n' });
    const after = await stack.client.summary(NS, 'vis-0');
    expect(after).toMatchObject({ rebootRequests: 1, rebootPending: false, poweredOn: true });

    // Cost: the memo is written only when it changed, far less often than the search attributes.
    const events = (await stack.client.handle(NS, 'vis-0').fetchHistory()).events ?? [];
    const memos = events.flatMap((e) => {
      const data = e.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields?.BmhView?.data;
      return data ? [Buffer.from(data).toString('utf8')] : [];
    });
    const upserts = events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
    expect(memos.length).toBeGreaterThan(0);
    expect(memos.filter((m, i) => i > 0 && m === memos[i - 1])).toEqual([]);
    expect(memos.length).toBeLessThan(upserts);
  });

  it('with the worker stopped, get -A, get NAME, -l, -o wide, wait and watch still show every host', async () => {
    await listedUntil(stack.client, (l) => l.find((h) => h.name === 'vis-1')?.online === false);
    for (const w of stack.workers) await w.stop();

    const all = await stack.metalflow(['get', '-A']);
    expect(all.code).toBe(0);
    const rows = all.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['NAMESPACE', 'NAME', 'STATE', 'CONSUMER', 'ONLINE', 'ERROR', 'AGE']);
    expect(rows.filter((r) => r[0] === NS).map((r) => r.slice(0, 4))).toEqual([
      [NS, 'vis-0', 'provisioned', 'true'],
      [NS, 'vis-1', 'available', 'false'],
    ]);
    const one = await stack.metalflow(['get', 'vis-0', '-n', NS, '-o', 'wide']);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^vis-0\s+OK\s+provisioned\s+fake:\/\/vis-0\s+true\s+\S+\s+http:\/\/images\.test\.invalid\/vis-0\.qcow2\s+true\s+1/m);
    expect(await stack.metalflow(['get', '-n', NS, '-l', 'rack=r1', '-o', 'name'])).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/vis-0\n' });
    expect(await stack.metalflow(['wait', 'vis-1', '-n', NS, '--for', 'poweredOn=false', '--timeout', '5s'])).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/vis-1 condition met (poweredOn=false)\n' });

    // watch: the first screen lists both hosts (the process is stopped once it did).
    const watch = spawn(process.execPath, ['bin/metalflow.js', 'watch', '-n', NS, '--interval', '1s'], { env: stack.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    try {
      await new Promise<void>((resolve, reject) => {
        watch.stdout.on('data', (chunk: Buffer) => {
          screen += chunk.toString();
          if (screen.includes('vis-1')) resolve();
        });
        watch.once('exit', (code) => reject(new Error(`watch exited with ${code}: ${screen}`)));
      });
    } finally {
      watch.kill('SIGKILL');
    }
    expect(screen).toMatch(/vis-0\s+provisioned/);
    expect(screen).toMatch(/vis-1\s+available/);
  });
});
