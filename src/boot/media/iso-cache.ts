/**
 * Agent ISOs on the boot worker, by content: the hash of the kernel and initramfs identity, the
 * grub.cfg and the overlay names the file, so hosts with the same content share one build, and it
 * is built once however many ask at the same time. A file lives while some lease holds it; the last
 * release deletes it. The ISOs hold hosts' network data: the directory is 0700, files 0600, and
 * whatever an earlier process left there is removed at start (init).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildAgentIso, type AgentIsoInput } from './agent-iso.js';

/** ISO builds running at once (each reads the 100+ MB initramfs and writes an ISO). */
export const MAX_CONCURRENT_ISO_BUILDS = 2;

export interface IsoLease {
  path: string;
  /** Idempotent; the file goes when its last lease is released. */
  release(): Promise<void>;
}

export type IsoBuilder = (input: AgentIsoInput, out: string, workDir: string) => Promise<void>;

interface Entry {
  refs: number;
  ready: Promise<string>;
}

export class AgentIsoCache {
  private readonly entries = new Map<string, Entry>();
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly dir: string,
    private readonly build: IsoBuilder = buildAgentIso,
    private readonly maxConcurrent = MAX_CONCURRENT_ISO_BUILDS,
  ) {}

  /** Empties the cache directory (leftovers of an earlier process may hold network Secrets). */
  async init(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
  }

  async acquire(input: AgentIsoInput): Promise<IsoLease> {
    const key = await contentKey(input);
    let entry = this.entries.get(key);
    if (!entry) {
      const created: Entry = { refs: 0, ready: this.limited(() => this.buildFile(key, input)) };
      entry = created;
      this.entries.set(key, created);
      // A failed build is forgotten, so the next request builds again.
      created.ready.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
    }
    entry.refs++;
    const held = entry;
    let path: string;
    try {
      path = await held.ready;
    } catch (err) {
      held.refs--;
      throw err;
    }
    let released = false;
    return {
      path,
      release: async () => {
        if (released) return;
        released = true;
        if (--held.refs > 0) return;
        if (this.entries.get(key) === held) this.entries.delete(key);
        await rm(path, { force: true });
      },
    };
  }

  private async buildFile(key: string, input: AgentIsoInput): Promise<string> {
    // A fresh name per build: deleting an old build of the same content never hits a new one.
    const id = `${key}.${randomBytes(6).toString('hex')}`;
    const tmp = join(this.dir, `${id}.tmp`);
    const out = join(this.dir, `${id}.iso`);
    try {
      await this.build(input, tmp, join(this.dir, `${id}.work`));
      await chmod(tmp, 0o600);
      await rename(tmp, out);
      return out;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing build hands its slot straight to the next waiter, so a caller arriving in between
    // cannot take it too (that would be one build over the cap).
    if (this.running >= this.maxConcurrent) await new Promise<void>((r) => this.queue.push(r));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Kernel and initramfs by identity (path, size, mtime, inode), not by reading 100+ MB per request. */
async function contentKey(input: AgentIsoInput): Promise<string> {
  const id = async (p: string): Promise<string> => {
    const s = await stat(p).catch(() => undefined);
    return s ? `${p}:${s.size}:${s.mtimeMs}:${s.ino}` : `${p}:missing`;
  };
  const h = createHash('sha256');
  for (const part of [await id(input.kernel), await id(input.initramfs), input.grubCfg]) h.update(`${Buffer.byteLength(part)}:${part}`);
  h.update(input.overlay);
  return h.digest('hex');
}
