/** kubectl's `-l` grammar (apimachinery labels.Parse), filtered client side. */
import { describe, expect, it } from 'vitest';
import { InvalidLabelSelectorError, MAX_SELECTOR_LENGTH, matchesSelector, parseLabelSelector } from '../../../src/api/label-selector.js';

const hosts: Record<string, Record<string, string>> = {
  a: { rack: 'r1', role: 'worker' },
  b: { rack: 'r2', role: 'control-plane', 'metal3.io/zone': 'z1' },
  c: { rack: 'r3' },
  d: {},
};
const pick = (selector: string): string[] => {
  const sel = parseLabelSelector(selector);
  return Object.keys(hosts).filter((k) => matchesSelector(sel, hosts[k] ?? {}));
};

describe('label selectors', () => {
  it.each([
    ['rack=r1', ['a']],
    ['rack==r2', ['b']],
    ['rack!=r1', ['b', 'c', 'd']], // absent keys match !=, as in Kubernetes
    ['rack in (r1,r2)', ['a', 'b']],
    ['rack in ( r1 , r3 )', ['a', 'c']],
    ['rack notin (r1,r2)', ['c', 'd']],
    ['role', ['a', 'b']],
    ['!role', ['c', 'd']],
    ['rack=r1,role=worker', ['a']], // comma is AND
    ['rack,!role', ['c']],
    ['metal3.io/zone=z1', ['b']],
    ['role=', []], // empty value: the label must exist and be empty
    ['', ['a', 'b', 'c', 'd']],
  ])('%s', (selector, want) => {
    expect(pick(selector)).toEqual(want);
  });

  it.each([
    ['rack in r1', 'expected "(" after "in"'],
    ['rack in (r1', 'expected "," or ")"'],
    ['rack in ()', 'expected a value'],
    ['=r1', 'expected a label key'],
    ['!', 'expected a label key after "!"'],
    ['rack=r1=r2', 'expected "," after a requirement'],
    ['rack=r1,', 'expected a label key'],
    ['bad key!=x', 'expected "," after a requirement'],
    ['rack=a b', 'expected "," after a requirement'],
    ['-rack=1', 'invalid label key "-rack"'],
    [`rack=${'v'.repeat(64)}`, `invalid label value "${'v'.repeat(64)}"`],
  ])('rejects %s', (selector, reason) => {
    expect(() => parseLabelSelector(selector)).toThrow(InvalidLabelSelectorError);
    expect(() => parseLabelSelector(selector)).toThrow(`invalid label selector "${selector}": ${reason}`);
  });

  it(`caps the selector at ${MAX_SELECTOR_LENGTH} characters`, () => {
    const long = `rack in (${Array.from({ length: 2000 }, (_, i) => `v${i}`).join(',')})`;
    expect(long.length).toBeGreaterThan(MAX_SELECTOR_LENGTH);
    expect(() => parseLabelSelector(long)).toThrow(`longer than ${MAX_SELECTOR_LENGTH} characters`);
  });
});
