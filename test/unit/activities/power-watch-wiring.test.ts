/**
 * The worker side of the power watch: the tick follows the sync interval within its bounds, and a
 * starting worker asks every idle host of its task queue to register again, a bounded number at once.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { MAX_WATCH_TICK_MS, REWATCH_CONCURRENCY, REWATCH_SIGNALS_PER_SECOND, askToRewatch, idleHostsQuery, watchTickMs } from '../../../src/activities/power-watch-wiring.js';
import { createHostActivities } from '../../../src/activities/host-activities.js';
import { MIN_WATCH_INTERVAL_MS } from '../../../src/bmc/power-watch.js';
import { DEFAULT_HOST_SETTINGS } from '../../../src/contract/index.js';
import type { Keyring } from '../../../src/secrets/keyring.js';

describe('power watch wiring', () => {
  it('ticks four times per sync interval, never slower than MAX_WATCH_TICK_MS nor faster than the fastest watch allows', () => {
    expect(watchTickMs(1_000)).toBe(250);
    expect(watchTickMs(60_000)).toBe(MAX_WATCH_TICK_MS);
    expect(watchTickMs(1)).toBe(MIN_WATCH_INTERVAL_MS / 4);
  });

  it('asks only running idle hosts of its own task queue, not the delayed ones (they wait for a provisioning slot) nor the detached ones (no BMC calls)', () => {
    expect(idleHostsQuery("q'1")).toBe(
      "WorkflowType = 'hostWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = 'q''1' AND BmhState IN ('available', 'provisioned', 'externally provisioned') AND BmhOperationalStatus != 'delayed' AND BmhOperationalStatus != 'detached'",
    );
  });

  it(`signals every idle host, at most REWATCH_CONCURRENCY (${REWATCH_CONCURRENCY}) at once`, async () => {
    const hosts = Array.from({ length: 2 * REWATCH_CONCURRENCY + 5 }, (_, i) => `bmh/ns/h${i}`);
    const signalled: Array<{ id: string; arg: unknown }> = [];
    let inFlight = 0;
    let most = 0;
    const temporal = {
      list: async function* () {
        for (const workflowId of hosts) yield { workflowId };
      },
      getHandle: (id: string) => ({
        signal: async (_s: unknown, arg: unknown) => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((r) => setImmediate(r));
          inFlight -= 1;
          signalled.push({ id, arg });
          if (id === 'bmh/ns/h3') throw new Error('workflow execution already completed'); // one ended meanwhile: the others still asked
        },
      }),
    } as unknown as Pick<Client, 'workflow'>['workflow'];
    let now = 0; // the pacing has its own test: here time passes at once
    expect(await askToRewatch({ workflow: temporal }, 'q', { now: () => now, sleep: async (ms) => void (now += ms) })).toBe(hosts.length);
    expect(signalled.map((s) => s.id).sort()).toEqual([...hosts].sort());
    expect(signalled.every((s) => JSON.stringify(s.arg) === '{"kind":"rewatch"}')).toBe(true);
    expect(most).toBe(REWATCH_CONCURRENCY);
  });

  it("hands the watch's errors to the worker's onError (they were dropped before)", async () => {
    const errors: string[] = [];
    const temporal = {
      list: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('visibility down')) }) }),
      getHandle: () => ({ signal: async () => undefined }),
    } as unknown as Pick<Client, 'workflow'>['workflow'];
    const acts = createHostActivities({
      keyring: {} as Keyring,
      drivers: { fakeStateDir: '/nonexistent', fakeStepMs: 0, simulatedAgent: false, ipmiMinIntervalMs: 0, ipmiCipherSuite: 3, powerStateTimeoutMs: 1000, softPowerOffTimeoutMs: 1000 },
      settings: DEFAULT_HOST_SETTINGS,
      temporal: { workflow: temporal },
      taskQueue: 'q',
      onError: (what, err) => void errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`),
    });
    expect(acts).toBeDefined();
    await expect.poll(() => errors).toEqual(['asking idle hosts to register their power watch: visibility down']);
  });

  it(`paces the signals at REWATCH_SIGNALS_PER_SECOND (${REWATCH_SIGNALS_PER_SECOND}) so a worker start does not make every idle host read its BMC at once`, async () => {
    const n = 3 * REWATCH_SIGNALS_PER_SECOND;
    let now = 0;
    const startedAt: number[] = [];
    const temporal = {
      list: async function* () {
        for (let i = 0; i < n; i++) yield { workflowId: `bmh/ns/h${i}` };
      },
      getHandle: () => ({ signal: async () => void startedAt.push(now) }),
    } as unknown as Pick<Client, 'workflow'>['workflow'];
    const sleep = async (ms: number): Promise<void> => void (now += ms);
    expect(await askToRewatch({ workflow: temporal }, 'q', { now: () => now, sleep })).toBe(n);
    startedAt.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(Math.floor((i * 1000) / REWATCH_SIGNALS_PER_SECOND)));
    expect(now).toBeLessThan(3_000); // and no slower than the rate
  });
});
