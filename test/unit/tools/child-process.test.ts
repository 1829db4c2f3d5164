/**
 * Child processes get a minimal environment: PATH, LANG=C and what the tool needs (ipmitool's
 * IPMI_PASSWORD), never the worker's own (Temporal credentials, key locations, anything else).
 * (genisoimage no longer runs: the config drive is built in memory.)
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ipmitool } from '../../../src/bmc/ipmi/ipmitool.js';
import { runTool } from '../../../src/tools/child-process.js';

const MARKER = 'METALFLOW_TEST_LEAK_MARKER';
const dir = mkdtempSync(join(tmpdir(), 'child-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  process.env[MARKER] = 'leaked';
  process.env.TEMPORAL_API_KEY_FOR_TEST = 'leaked-too';
});
afterEach(() => {
  delete process.env[MARKER];
  delete process.env.TEMPORAL_API_KEY_FOR_TEST;
});

/** A stand-in tool that writes its environment to a file, then fails or succeeds. */
function envDumper(name: string, exitCode: number): { binary: string; env: () => Record<string, string> } {
  const out = join(dir, `${name}.env`);
  const binary = join(dir, name);
  writeFileSync(binary, `#!/bin/sh\n/usr/bin/env > '${out}'\nexit ${exitCode}\n`);
  chmodSync(binary, 0o755);
  return { binary, env: () => Object.fromEntries(readFileSync(out, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) };
}

describe('child processes', () => {
  it('runTool hands a child only PATH, LANG/LC_ALL=C and what the caller adds', async () => {
    const out = await runTool('env', [], { env: { TOOL_SETTING: 'x' } });
    const seen = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=', 2)));
    expect(Object.keys(seen).sort()).toEqual(['LANG', 'LC_ALL', 'PATH', 'TOOL_SETTING']);
    expect(seen).toMatchObject({ LANG: 'C', LC_ALL: 'C', TOOL_SETTING: 'x' });
  });

  it('ipmitool sees its password (IPMI_PASSWORD for -E) and nothing of the worker', async () => {
    const tool = envDumper('ipmitool', 0);
    const ipmi = new Ipmitool({ host: '127.0.0.1', port: 623, username: 'admin', password: 'bmc-pass', cipherSuite: 3, privilegeLevel: 'ADMINISTRATOR' }, { binary: tool.binary, minIntervalMs: 0, attempts: 1 });
    await ipmi.run(['power', 'status']);
    const seen = tool.env();
    expect(seen.IPMI_PASSWORD).toBe('bmc-pass');
    expect(seen[MARKER]).toBeUndefined();
    expect(seen.TEMPORAL_API_KEY_FOR_TEST).toBeUndefined();
  });
});
