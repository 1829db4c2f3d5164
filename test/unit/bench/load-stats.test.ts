import { describe, expect, it } from 'vitest';
import { LoadStats, amplification, packetsDue } from '../../../bench/load-stats.js';

describe('bench load statistics', () => {
  it('rates, percentiles and throughput over the window', () => {
    const s = new LoadStats();
    for (let ms = 1; ms <= 100; ms++) s.done(ms);
    s.fail();
    s.bytes = 4 * 2 ** 20;
    const r = s.summary(2);
    expect(r).toMatchObject({ completed: 100, failed: 1, perSecond: 50, p50Ms: 50, p95Ms: 95, mibPerSecond: 2 });
  });

  it('no completions: percentiles are NaN, not 0', () => {
    const r = new LoadStats().summary(1);
    expect(r.perSecond).toBe(0);
    expect(Number.isNaN(r.p95Ms)).toBe(true);
  });

  it('amplification is received over sent; nothing sent is no figure', () => {
    expect(amplification(100, 250)).toBe(2.5);
    expect(amplification(100, 0)).toBe(0);
    expect(Number.isNaN(amplification(0, 10))).toBe(true);
  });

  it('a constant-rate sender owes what the elapsed time allows, never a negative count', () => {
    expect(packetsDue(2000, 10, 0)).toBe(20);
    expect(packetsDue(2000, 1000, 1990)).toBe(10);
    expect(packetsDue(2000, 5, 50)).toBe(0);
  });
});
