/**
 * One shared, read-only copy of each file the TFTP server is sending, bounded in total bytes.
 * PXE clients fetch the same one or two firmware files, so concurrent transfers share one read
 * instead of each holding the whole file. A version is keyed by path, device, inode, size and
 * mtime: a replaced file is read afresh while transfers of the old one finish. Versions no
 * transfer uses stay cached (least recently used first out) until their bytes are needed.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface CachedFile {
  data: Buffer;
  release(): void;
}

export type CacheRefusal = 'missing' | 'too large' | 'busy';

interface Entry {
  size: number;
  refs: number;
  data: Promise<Buffer>;
}

export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxFileBytes: number,
  ) {}

  /** Bytes reserved by the cached versions (loaded or loading). */
  size(): number {
    return this.bytes;
  }

  async acquire(path: string): Promise<CachedFile | { refused: CacheRefusal }> {
    let fh: FileHandle;
    try {
      // O_NOFOLLOW: the path was resolved inside the root; a symlink swapped in since is refused.
      fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return { refused: 'missing' };
    }
    let entry: Entry | undefined;
    let key = '';
    let reading = false; // readAll then owns (and closes) the handle
    try {
      const st = await fh.stat();
      if (!st.isFile()) return { refused: 'missing' };
      if (st.size > this.maxFileBytes) return { refused: 'too large' };
      key = `${path}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
      entry = this.entries.get(key);
      if (entry) {
        this.entries.delete(key); // re-inserted below: most recently used last
      } else {
        if (!this.makeRoom(st.size)) return { refused: 'busy' };
        this.bytes += st.size;
        entry = { size: st.size, refs: 0, data: readAll(fh, st.size) };
        reading = true;
      }
      this.entries.set(key, entry);
      entry.refs++;
    } finally {
      if (!reading) await fh.close().catch(() => undefined);
    }
    const e = entry;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      e.refs--;
    };
    try {
      return { data: await e.data, release };
    } catch {
      release();
      this.drop(key, e);
      return { refused: 'missing' };
    }
  }

  /** Evicts unused versions, oldest use first, until `size` more bytes fit; false if they cannot. */
  private makeRoom(size: number): boolean {
    for (const [key, e] of this.entries) {
      if (this.bytes + size <= this.maxBytes) break;
      if (e.refs === 0) this.drop(key, e);
    }
    return this.bytes + size <= this.maxBytes;
  }

  private drop(key: string, e: Entry): void {
    if (this.entries.get(key) !== e) return;
    this.entries.delete(key);
    this.bytes -= e.size;
  }
}

/** Exactly `size` bytes from the open file, then closes it; a file that shrank meanwhile is an error. */
async function readAll(fh: FileHandle, size: number): Promise<Buffer> {
  try {
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, size - off, off);
      if (bytesRead === 0) throw new Error('file shrank while being read');
      off += bytesRead;
    }
    return buf;
  } finally {
    await fh.close().catch(() => undefined);
  }
}
