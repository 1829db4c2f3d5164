/**
 * The config drive holds the host's userData in plain text: it is built in memory, so no file with
 * it exists at any moment (nothing for a crash to leave behind) and no tool runs with it. Every
 * file-writing and process-starting call is replaced by one that fails the build.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';

const { calls, forbidding } = vi.hoisted(() => {
  const calls: string[] = [];
  /** The real module with the named functions replaced by ones that record the call and fail. */
  const forbidding = async (real: Record<string, unknown>, module: string, names: string[]): Promise<Record<string, unknown>> => {
    const fakes = Object.fromEntries(names.map((name) => [name, () => {
      calls.push(`${module}.${name}`);
      throw new Error(`config drive called ${module}.${name}`);
    }]));
    return { ...real, default: real, ...fakes };
  };
  return { calls, forbidding };
});
vi.mock('node:fs/promises', async (importOriginal) => forbidding(await importOriginal(), 'fs/promises', ['writeFile', 'mkdtemp', 'mkdir', 'open', 'appendFile']));
vi.mock('node:fs', async (importOriginal) => forbidding(await importOriginal(), 'fs', ['writeFileSync', 'mkdtempSync', 'openSync', 'createWriteStream']));
vi.mock('node:child_process', async (importOriginal) => forbidding(await importOriginal(), 'child_process', ['execFile', 'spawn', 'exec', 'execFileSync']));

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
