/** `-f` arguments to manifest texts: files, directories (one level, as kubectl without -R) and stdin. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestSource } from '../../api/manifest.js';

/** A `-f` path that cannot be read (kubectl's text for a missing one). */
export class ManifestReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestReadError';
  }
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ManifestReadError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function readManifestSources(paths: string[], stdin: () => string = () => readFileSync(0, 'utf8')): ManifestSource[] {
  const sources: ManifestSource[] = [];
  for (const p of paths) {
    if (p === '-') {
      sources.push({ name: '<stdin>', text: stdin() });
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new ManifestReadError(`the path "${p}" does not exist`);
    }
    if (!st.isDirectory()) {
      sources.push({ name: p, text: readText(p) });
      continue;
    }
    // Sorted, files only: a subfolder (e.g. examples/with-image/) is a separate -f, as with kubectl.
    for (const f of readdirSync(p).filter((f) => MANIFEST_FILE.test(f)).sort()) {
      const full = join(p, f);
      if (statSync(full).isFile()) sources.push({ name: full, text: readText(full) });
    }
  }
  return sources;
}
