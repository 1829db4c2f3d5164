/**
 * `metalflow keys` and `apply` without a key, as an operator runs them (real processes, no server:
 * neither needs Temporal, and apply must fail before it would connect).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeHostsManifest } from '../../helpers/stack.js';

const BIN = resolve('bin/metalflow.js');
const root = mkdtempSync(join(tmpdir(), 'metalflow-keys-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function metalflow(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  // Only what the CLI needs: no METALFLOW_* of the caller's environment leaks into these runs.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.cwd, TEMPORAL_ADDRESS: '127.0.0.1:1', ...opts.env };
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: opts.cwd, env }, (err, stdout, stderr) => {
      done({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
  });
}

describe('metalflow keys', () => {
  it('create makes a 0600 private key in the data dir, refuses to run twice, and public prints only the public part', async () => {
    const dataDir = join(root, 'data');
    const env = { METALFLOW_DATA_DIR: dataDir };
    const created = await metalflow(['keys', 'create'], { cwd: root, env });
    expect(created.code).toBe(0);
    const keyDir = join(dataDir, 'keys');
    const [privateFile] = readdirSync(keyDir).filter((f) => f.endsWith('.key'));
    expect(privateFile).toBeDefined();
    expect(statSync(join(keyDir, privateFile ?? '')).mode & 0o777).toBe(0o600);
    const before = readFileSync(join(keyDir, privateFile ?? ''), 'utf8');

    const again = await metalflow(['keys', 'create'], { cwd: root, env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exist');
    expect(readFileSync(join(keyDir, privateFile ?? ''), 'utf8')).toBe(before);
    expect((await metalflow(['keys', 'create', '--if-missing'], { cwd: root, env })).code).toBe(0);

    const pub = await metalflow(['keys', 'public'], { cwd: root, env });
    expect(pub.code).toBe(0);
    const key = JSON.parse(pub.stdout) as { keyId: string; publicKey: string };
    expect(`${key.keyId}.key`).toBe(privateFile);
    expect(pub.stdout).not.toContain('PRIVATE');
    expect(pub.stdout).not.toContain(before.split('\n')[1] ?? 'x');

    const rotated = await metalflow(['keys', 'rotate'], { cwd: root, env });
    expect(rotated.code).toBe(0);
    const after = JSON.parse((await metalflow(['keys', 'public'], { cwd: root, env })).stdout) as { keyId: string };
    expect(after.keyId).not.toBe(key.keyId);
    expect(readdirSync(keyDir).filter((f) => f.endsWith('.key')).sort()).toEqual([`${key.keyId}.key`, `${after.keyId}.key`].sort());

    // A client given only the public key file finds it through METALFLOW_SEAL_PUBLIC_KEY_FILE.
    const copy = join(root, 'client.pub');
    writeFileSync(copy, (await metalflow(['keys', 'public'], { cwd: root, env })).stdout);
    const viaFile = await metalflow(['keys', 'public'], { cwd: root, env: { METALFLOW_DATA_DIR: join(root, 'nowhere'), METALFLOW_SEAL_PUBLIC_KEY_FILE: copy } });
    expect(JSON.parse(viaFile.stdout)).toMatchObject({ keyId: after.keyId });
  }, 60_000);

  it('apply from another directory fails clearly, saying where it looked and how to create keys, and creates nothing', async () => {
    const elsewhere = mkdtempSync(join(root, 'elsewhere-'));
    const manifest = join(elsewhere, 'hosts.yaml');
    writeFileSync(manifest, fakeHostsManifest('cli-keys', [{ name: 'k-0' }]));
    const r = await metalflow(['apply', '-f', manifest], { cwd: elsewhere });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(elsewhere, '.metalflow', 'keys', 'seal-public.json'));
    expect(r.stderr).toContain('metalflow keys create');
    expect(r.stderr).not.toContain('cannot reach Temporal'); // it fails on the key, before connecting
    expect(readdirSync(elsewhere)).toEqual(['hosts.yaml']);
    expect(existsSync(join(elsewhere, '.metalflow'))).toBe(false);
  }, 30_000);
});
