/**
 * The layers of src/ point down only: api (model) ← net, tools (peers, external programs) ← secrets, agent, tls ←
 * bmc, boot (drivers and protocol servers, no Temporal) ← contract ← activities ← workflows ←
 * config ← worker, client, supervisor.
 * A file may import its own folder or any lower layer; an import upwards or sideways fails here,
 * naming the file and the import, so the layers stay clean.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Lowest first. Top-level files of src/ are layers of their own (errors.ts is part of api's floor). */
export const LAYERS: readonly (readonly string[])[] = [
  ['api', 'errors.ts'],
  ['net', 'tools'],
  ['secrets', 'agent', 'tls'],
  ['bmc', 'boot'],
  ['contract'],
  ['activities'],
  ['workflows'],
  ['config'],
  ['worker', 'client', 'supervisor'],
];

function layerOf(top: string): number {
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`src/${top} is in no layer: add it to LAYERS`);
  return i;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports and re-exports (type-only ones too: a type import is a dependency of the design). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1] ?? '');
}

const topOf = (path: string): string => relative(SRC, path).split('/')[0] ?? '';

describe('layers of src/', () => {
  it('has every file of src/ in a layer', () => {
    for (const f of sources(SRC)) expect(() => layerOf(topOf(f)), relative(SRC, f)).not.toThrow();
  });

  it('imports only from its own folder or lower layers', () => {
    const upward: string[] = [];
    for (const file of sources(SRC)) {
      const from = topOf(file);
      for (const spec of importsOf(file)) {
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        if (!target.startsWith(SRC)) {
          upward.push(`${relative(SRC, file)} imports ${spec}: outside src/ (lab equipment or tests)`);
          continue;
        }
        const to = topOf(target);
        if (to !== from && layerOf(to) >= layerOf(from)) upward.push(`${relative(SRC, file)} imports ${spec} (${to} is not below ${from})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('reads the environment only in src/config', () => {
    const readers = sources(SRC)
      .filter((f) => topOf(f) !== 'config' && /\bprocess\.env\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(readers).toEqual([]);
  });

  it('finds the imports it checks (a parser that sees none proves nothing)', () => {
    const all = sources(SRC).flatMap(importsOf);
    expect(all.length).toBeGreaterThan(200);
    expect(importsOf(join(SRC, 'workflows/host-workflow.ts'))).toContain('../contract/index.js');
  });
});
