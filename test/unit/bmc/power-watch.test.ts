/**
 * The power watch's rules (no timers: the test drives the clock and ticks): drift is reported
 * once per registration, entries are keyed by host and capped, leases end, intervals are clamped,
 * and a BMC that hangs holds only its own entry.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CONCURRENT_WATCH_POLLS, MAX_POWER_WATCHES, MAX_WATCH_LEASE_MS, MIN_WATCH_INTERVAL_MS, PowerWatch, WATCH_FAILURES_BEFORE_REPORT, type WatchRequest } from '../../../src/bmc/power-watch.js';
import type { PowerReport } from '../../../src/contract/index.js';

function setup(opts: { pollDeadlineMs?: number; random?: () => number } = {}) {
  let now = 1_000_000;
  const reports: Array<[string, PowerReport]> = [];
  // random 0: the first poll one whole interval after registration (the jitter has its own test)
  const watch = new PowerWatch(async (key, r) => void reports.push([key, r]), { now: () => now, random: () => 0, ...opts });
  return { watch, reports, advance: (ms: number) => void (now += ms) };
}

const bmc = (state: { on: boolean }): WatchRequest['read'] => async () => state.on;
const req = (read: WatchRequest['read'], over: Partial<WatchRequest> = {}): WatchRequest => ({ expected: true, intervalMs: 1_000, leaseMs: 60_000, read, ...over });

describe('PowerWatch', () => {
  it('says nothing while the power is as expected, reports drift once, then forgets the entry', async () => {
    const { watch, reports, advance } = setup();
    const a = { on: true };
    watch.watch('bmh/ns/a', req(bmc(a)));
    advance(1_000);
    await watch.tick();
    expect(reports).toEqual([]);
    a.on = false;
    advance(1_000);
    await watch.tick();
    expect(reports).toEqual([['bmh/ns/a', { kind: 'drift', poweredOn: false }]]);
    expect(watch.has('bmh/ns/a')).toBe(false);
    advance(1_000);
    await watch.tick();
    expect(reports).toHaveLength(1); // the host registers again after reading the power itself
  });

  it('polls an entry only once its interval has passed, and never faster than MIN_WATCH_INTERVAL_MS', async () => {
    const { watch, advance } = setup();
    let reads = 0;
    watch.watch('bmh/ns/a', req(async () => (reads++, true), { intervalMs: 1 }));
    advance(MIN_WATCH_INTERVAL_MS - 1);
    await watch.tick();
    expect(reads).toBe(0);
    advance(1);
    await watch.tick();
    expect(reads).toBe(1);
  });

  it('keys entries by host: a registration replaces only its own host', async () => {
    const { watch, reports, advance } = setup();
    const a = { on: true };
    const b = { on: true };
    watch.watch('bmh/ns/a', req(bmc(a)));
    watch.watch('bmh/ns/b', req(bmc(b)));
    watch.watch('bmh/ns/a', req(bmc(a), { expected: false }));
    expect(watch.size).toBe(2);
    advance(1_000);
    await watch.tick();
    expect(reports).toEqual([['bmh/ns/a', { kind: 'drift', poweredOn: true }]]);
  });

  it('drops an entry whose lease ended without telling the host, and caps a lease at MAX_WATCH_LEASE_MS', async () => {
    const { watch, reports, advance } = setup();
    watch.watch('bmh/ns/a', req(bmc({ on: false }), { leaseMs: 5_000 }));
    advance(5_000);
    await watch.tick();
    expect(watch.has('bmh/ns/a')).toBe(false);
    expect(reports).toEqual([]);
    watch.watch('bmh/ns/b', req(bmc({ on: true }), { leaseMs: 10 * MAX_WATCH_LEASE_MS }));
    advance(MAX_WATCH_LEASE_MS);
    await watch.tick();
    expect(watch.has('bmh/ns/b')).toBe(false);
  });

  it(`refuses a new host beyond MAX_POWER_WATCHES (${MAX_POWER_WATCHES}) but still renews a watched one`, () => {
    const { watch } = setup();
    const read = bmc({ on: true });
    for (let i = 0; i < MAX_POWER_WATCHES; i++) expect(watch.watch(`bmh/ns/h${i}`, req(read))).toBe(true);
    expect(watch.watch('bmh/ns/one-too-many', req(read))).toBe(false);
    expect(watch.watch('bmh/ns/h0', req(read, { expected: false }))).toBe(true);
    expect(watch.size).toBe(MAX_POWER_WATCHES);
  });

  it('a BMC that hangs holds only its own entry: the others are polled and reported meanwhile', async () => {
    const { watch, reports, advance } = setup({ pollDeadlineMs: 20 });
    let hungReads = 0;
    watch.watch('bmh/ns/hung', req(() => (hungReads++, new Promise<boolean>(() => undefined))));
    const b = { on: false };
    watch.watch('bmh/ns/b', req(bmc(b)));
    advance(1_000);
    await watch.tick(); // settles: the hung read counts as failed at its deadline
    expect(reports).toEqual([['bmh/ns/b', { kind: 'drift', poweredOn: false }]]);
    advance(10_000);
    await watch.tick();
    expect(hungReads).toBe(1); // never a second read piled on the hung one
  });

  it(`tells the host after ${WATCH_FAILURES_BEFORE_REPORT} failed reads in a row`, async () => {
    const { watch, reports, advance } = setup();
    watch.watch('bmh/ns/a', req(async () => { throw new Error('connection refused'); }));
    for (let i = 0; i < WATCH_FAILURES_BEFORE_REPORT; i++) {
      expect(reports).toEqual([]);
      advance(1_000);
      await watch.tick();
      await Promise.resolve();
    }
    expect(reports).toEqual([['bmh/ns/a', { kind: 'unreadable', error: 'connection refused' }]]);
  });

  it('ignores a poll that settles after the host registered again', async () => {
    const { watch, reports, advance } = setup();
    let release: (on: boolean) => void = () => undefined;
    watch.watch('bmh/ns/a', req(() => new Promise<boolean>((r) => (release = r))));
    advance(1_000);
    const polled = watch.tick();
    watch.watch('bmh/ns/a', req(bmc({ on: false }), { expected: false })); // the host powered off and registered again
    release(false);
    await polled;
    expect(reports).toEqual([]);
    expect(watch.has('bmh/ns/a')).toBe(true);
  });

  it(`polls at most MAX_CONCURRENT_WATCH_POLLS (${MAX_CONCURRENT_WATCH_POLLS}) BMCs at once; the rest wait for a free slot`, async () => {
    const { watch, advance } = setup();
    const pending: Array<(on: boolean) => void> = [];
    let reads = 0;
    const read = (): Promise<boolean> => (reads++, new Promise<boolean>((r) => pending.push(r)));
    for (let i = 0; i <= MAX_CONCURRENT_WATCH_POLLS; i++) watch.watch(`bmh/ns/h${i}`, req(read));
    advance(1_000);
    void watch.tick();
    expect(reads).toBe(MAX_CONCURRENT_WATCH_POLLS);
    void watch.tick();
    expect(reads).toBe(MAX_CONCURRENT_WATCH_POLLS); // still full
    pending.shift()?.(true);
    await new Promise((r) => setImmediate(r));
    void watch.tick();
    expect(reads).toBe(MAX_CONCURRENT_WATCH_POLLS + 1);
  });

  it('spreads the first poll of each entry over its interval (injected randomness), so entries registered together do not poll in lockstep', async () => {
    let r = 0.5;
    const { watch, advance } = setup({ random: () => r });
    let reads = 0;
    const read = async (): Promise<boolean> => (reads++, true);
    watch.watch('bmh/ns/a', req(read)); // due half an interval from now
    r = 0;
    watch.watch('bmh/ns/b', req(read)); // due a whole interval from now
    advance(499);
    await watch.tick();
    expect(reads).toBe(0);
    advance(1);
    await watch.tick();
    expect(reads).toBe(1);
    advance(500);
    await watch.tick();
    expect(reads).toBe(2);
  });
});
