/**
 * A newc ("070701") cpio writer for the per-host overlay appended to the agent's initramfs as a
 * second initrd: Linux unpacks concatenated archives in order, so these files land on top of the
 * stock ramdisk. The kernel's unpacker creates no parent directories, so missing parents are
 * written first (0755, as in the ramdisk). Fixed mtime and inode numbers: same input, same bytes
 * (the agent ISO cache is keyed by content).
 */

/** Entries in one overlay (files plus their parent directories). */
export const MAX_CPIO_ENTRIES = 256;
/** Bytes of one overlay: a few small configuration files, never a payload. */
export const MAX_CPIO_BYTES = 4 * 1024 * 1024;
/** Characters of one path inside the archive. */
export const MAX_CPIO_PATH_CHARS = 255;

export type CpioEntry = { path: string; mode: number; data: Buffer; dir?: false } | { path: string; mode: number; dir: true };

export class CpioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CpioError';
  }
}

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

export function newcCpio(entries: readonly CpioEntry[]): Buffer {
  const all: CpioEntry[] = [];
  const implied = new Map<string, CpioEntry>();
  const explicit = new Set<string>();
  for (const e of entries) {
    checkPath(e.path);
    if (explicit.has(e.path)) throw new CpioError(`cpio: ${e.path} given twice`);
    explicit.add(e.path);
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (implied.has(parent) || explicit.has(parent)) continue;
      const dir: CpioEntry = { path: parent, mode: 0o755, dir: true };
      implied.set(parent, dir);
      all.push(dir);
    }
    const earlier = implied.get(e.path);
    if (earlier && !e.dir) throw new CpioError(`cpio: ${e.path} given twice (as a directory and a file)`);
    // A directory a file already implied keeps its place and takes the given mode.
    if (earlier) earlier.mode = e.mode;
    else all.push(e);
  }
  if (all.length > MAX_CPIO_ENTRIES) throw new CpioError(`cpio: ${all.length} entries, more than ${MAX_CPIO_ENTRIES}`);
  const chunks: Buffer[] = [];
  let size = 0;
  const push = (b: Buffer): void => {
    size += b.length;
    if (size > MAX_CPIO_BYTES) throw new CpioError(`cpio: more than ${MAX_CPIO_BYTES} bytes`);
    chunks.push(b);
  };
  all.forEach((e, i) => {
    const data = e.dir ? Buffer.alloc(0) : e.data;
    push(record(e.path, (e.dir ? S_IFDIR : S_IFREG) | (e.mode & 0o7777), e.dir ? 2 : 1, i + 1, data));
  });
  push(record('TRAILER!!!', 0, 1, 0, Buffer.alloc(0)));
  return Buffer.concat(chunks);
}

function checkPath(path: string): void {
  const parts = path.split('/');
  if (path === '' || path.length > MAX_CPIO_PATH_CHARS || parts.some((p) => p === '' || p === '.' || p === '..') || /[\0-\x1f\x7f]/.test(path)) {
    throw new CpioError(`cpio: bad path ${JSON.stringify(path.slice(0, MAX_CPIO_PATH_CHARS))}`);
  }
}

function record(name: string, mode: number, nlink: number, ino: number, data: Buffer): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  const header = Buffer.from(`070701${[ino, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0].map(hex).join('')}`, 'ascii');
  return Buffer.concat([header, nameBytes, pad(header.length + nameBytes.length), data, pad(data.length)]);
}

const pad = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);
