/** The lease file is replaced atomically and durably: temp file in the same directory, fsync, rename, fsync of the directory. */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { removeTempDir } from '../../../helpers/temp-dir.js';

const calls: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const fdPaths = new Map<number, string>();
  const name = (p: fs.PathLike): string => String(p).split('/').pop() ?? '';
  return {
    ...real,
    openSync: (p: fs.PathLike, ...rest: unknown[]) => {
      const fd = (real.openSync as (...a: unknown[]) => number)(p, ...rest);
      fdPaths.set(fd, name(p));
      return fd;
    },
    writeFileSync: (p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      calls.push(`write ${typeof p === 'number' ? fdPaths.get(p) : name(p as fs.PathLike)}`);
      return (real.writeFileSync as (...a: unknown[]) => void)(p, ...rest);
    },
    writeSync: (fd: number, ...rest: unknown[]) => {
      calls.push(`write ${fdPaths.get(fd)}`);
      return (real.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    },
    fsyncSync: (fd: number) => {
      calls.push(`fsync ${fdPaths.get(fd)}`);
      return real.fsyncSync(fd);
    },
    renameSync: (a: fs.PathLike, b: fs.PathLike) => {
      calls.push(`rename ${name(a)} ${name(b)}`);
      return real.renameSync(a, b);
    },
  };
});

const { LeaseStore } = await import('../../../../src/boot/dhcp/leases.js');
const dir = fs.mkdtempSync(join(tmpdir(), 'leases-fsync-'));
afterEach(() => removeTempDir(dir));

describe('DHCP lease file durability', () => {
  it('writes the temp file, fsyncs it, renames it over the file, then fsyncs the directory', () => {
    const store = new LeaseStore({ range: ['10.0.0.100', '10.0.0.110'], file: join(dir, 'leases.json') });
    calls.length = 0;
    store.bind('52:54:00:00:00:01', '10.0.0.100', 60_000);
    const dirName = dir.split('/').pop();
    expect(calls.filter((c) => !c.startsWith('write ') || c === 'write leases.json.tmp')).toEqual(['write leases.json.tmp', 'fsync leases.json.tmp', 'rename leases.json.tmp leases.json', `fsync ${dirName}`]);
  });
});
