/**
 * The config drive holds the host's userData in plain text: it is built in memory, so no file with
 * it exists at any moment (nothing for a crash to leave behind) and no tool runs with it. Every
 * file-writing and process-starting call is replaced by one that fails the build.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<Record<string, unknown>>();
  const forbid = (name: string) => () => {
    calls.push(`fs/promises.${name}`);
    throw new Error(`config drive wrote a file (${name})`);
  };
  return { ...real, default: real, writeFile: forbid('writeFile'), mkdtemp: forbid('mkdtemp'), mkdir: forbid('mkdir'), open: forbid('open'), appendFile: forbid('appendFile') };
});
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<Record<string, unknown>>();
  const forbid = (name: string) => () => {
    calls.push(`fs.${name}`);
    throw new Error(`config drive wrote a file (${name})`);
  };
  return { ...real, default: real, writeFileSync: forbid('writeFileSync'), mkdtempSync: forbid('mkdtempSync'), openSync: forbid('openSync'), createWriteStream: forbid('createWriteStream') };
});
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<Record<string, unknown>>();
  const forbid = (name: string) => () => {
    calls.push(`child_process.${name}`);
    throw new Error(`config drive started a process (${name})`);
  };
  return { ...real, default: real, execFile: forbid('execFile'), spawn: forbid('spawn'), exec: forbid('exec'), execFileSync: forbid('execFileSync') };
});

const { buildConfigDrive } = await import('../../../src/agent/config-drive.js');

describe('config drive and plain userData on disk', () => {
  it('is built without writing a file or starting a process', async () => {
    const drive = await buildConfigDrive({ metaData: { uuid: 'u' }, userData: '#cloud-config\npassword: VeryPrivateUserData\n' });
    expect(calls).toEqual([]);
    const iso = gunzipSync(Buffer.from(drive, 'base64'));
    expect(iso.subarray(0x8001, 0x8006).toString('ascii')).toBe('CD001');
    expect(iso.includes(Buffer.from('VeryPrivateUserData'))).toBe(true);
  });
});
