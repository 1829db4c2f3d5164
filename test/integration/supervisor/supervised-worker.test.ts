/**
 * `npm start`'s supervision with the real host worker on the suite's Temporal server: `kill -9` of
 * the worker brings a new worker process up (the supervisor reports it), which serves the task
 * queue again (a host applied after the kill is registered); SIGTERM stops the supervisor and its
 * worker without a restart.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetalflowClient } from '../../../src/client/metalflow-client.js';
import { readPublicKey } from '../../../src/secrets/key-store.js';
import { Sealer } from '../../../src/secrets/sealer.js';
import { TestStack, fakeHostsManifest } from '../../helpers/stack.js';
import { killAll, supervisedPids } from '../../helpers/supervised-pids.js';

const NS = 'it-supervised';
const stack = new TestStack();
afterAll(() => stack.stop());

describe('supervised host worker', () => {
  it('comes back after kill -9 and serves again; SIGTERM stops it for good', async () => {
    const log = join(stack.dataDir, 'worker.log');
    const sup = spawn(process.execPath, ['--import', 'tsx', 'src/supervisor/main.ts', '--name', 'host worker', '--log', log, '--', process.execPath, '--import', 'tsx', 'src/worker/main.ts'], {
      env: stack.env(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => sup.once('exit', (c) => r(c)));
    let terminal = '';
    sup.stderr?.on('data', (c: Buffer) => void (terminal += c.toString()));
    try {
      const started = (): number[] => [...readFileSync(log, 'utf8').matchAll(/"pid":(\d+)[^\n]*"msg":"host worker started"/g)].map((m) => Number(m[1]));
      await expect.poll(() => started().length, { timeout: 60_000, interval: 200 }).toBe(1);
      const first = started()[0] ?? 0;
      process.kill(first, 'SIGKILL');
      await expect.poll(() => started().length, { timeout: 60_000, interval: 200 }).toBe(2);
      expect(started()[1]).not.toBe(first);
      expect(terminal).toMatch(/host worker \(pid \d+\) exited on SIGKILL/);
      expect(terminal).toMatch(/host worker restarted \(pid \d+, restart 1 in a row\)/);

      stack.client = await MetalflowClient.connect({ address: stack.address, namespace: stack.namespace }, Sealer.fromPublicKey(readPublicKey(stack.keyDir)), stack.taskQueue);
      await stack.client.apply([{ name: 'm.yaml', text: fakeHostsManifest(NS, [{ name: 'back' }]) }]);
      await stack.client.waitFor(NS, 'back', (h) => h.status.provisioning.state === 'available', 60_000);

      sup.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(readFileSync(log, 'utf8')).toContain('host worker stopped');
      expect(started()).toHaveLength(2);
    } finally {
      sup.kill('SIGKILL');
      // A failed run must not leave a worker behind: every child the supervisor reported starting,
      // and those that logged their own start (in case the supervisor died before its line).
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      const workers = [...text.matchAll(/"pid":(\d+)[^\n]*"msg":"host worker started"/g)].map((m) => Number(m[1]));
      killAll(new Set([...supervisedPids(log), ...workers]));
    }
  }, 180_000);
});
