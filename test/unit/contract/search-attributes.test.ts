import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_TYPES, SearchAttr } from '../../../src/contract/index.js';

describe('search attributes', () => {
  it('are registered by the dev-server script exactly as the contract defines them', () => {
    const script = readFileSync(fileURLToPath(new URL('../../../scripts/temporal-dev.sh', import.meta.url)), 'utf8');
    const flags = [...script.matchAll(/--search-attribute (\w+)=(\w+)/g)].map((m) => `${m[1]}=${m[2]}`).sort();
    expect(flags).toEqual(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([k, v]) => `${k}=${v}`).sort());
  });

  it('derive their CLI types from the typed keys', () => {
    expect(Object.keys(SEARCH_ATTRIBUTE_TYPES).sort()).toEqual(Object.values(SearchAttr).map((k) => k.name).sort());
    expect(SEARCH_ATTRIBUTE_TYPES[SearchAttr.poweredOn.name]).toBe('Bool');
    expect(SEARCH_ATTRIBUTE_TYPES[SearchAttr.state.name]).toBe('Keyword');
  });
});
