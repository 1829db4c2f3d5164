import { describe, expect, it } from 'vitest';
import { maxOverlap } from '../../../bench/concurrency.js';

describe('bench max concurrency', () => {
  it('counts intervals open at once; back to back is not together', () => {
    expect(maxOverlap([])).toBe(0);
    expect(maxOverlap([{ start: 0, end: 10 }, { start: 10, end: 20 }])).toBe(1);
    expect(maxOverlap([{ start: 0, end: 10 }, { start: 5, end: 20 }, { start: 9, end: 11 }, { start: 12, end: 13 }])).toBe(3);
  });
});
