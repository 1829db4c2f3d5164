/**
 * Files the boot services hand out (TFTP firmware, HTTP agent images and disk images) are
 * resolved inside their root only: `..` segments, and anything a symlink takes outside the
 * root, are refused; a leading `/` means the root (tftp-hpa `-s` semantics).
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';

export type Resolved = { path: string; size: number } | { refused: 'escape' | 'missing' };

export async function resolveInside(root: string, requested: string): Promise<Resolved> {
  const name = requested.replace(/\\/g, '/');
  if (name.split('/').includes('..')) return { refused: 'escape' };
  let real: string;
  try {
    real = await realpath(join(root, name.replace(/^\/+/, '')));
  } catch {
    return { refused: 'missing' };
  }
  const rel = relative(root, real);
  if (rel.startsWith('..') || isAbsolute(rel)) return { refused: 'escape' };
  const st = await stat(real).catch(() => undefined);
  if (!st?.isFile()) return { refused: 'missing' };
  return { path: real, size: st.size };
}
