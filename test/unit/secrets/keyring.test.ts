import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretUnsealError } from '../../../src/errors.js';
import { Keyring } from '../../../src/secrets/keyring.js';

const key = (b: number): Keyring => Keyring.fromKey(Buffer.alloc(32, b));

describe('Keyring', () => {
  it('round-trips data without the plain text in the sealed form', () => {
    const k = key(1);
    const sealed = k.seal('bmc', { username: 'admin', password: 'hunter2-secret' });
    expect(JSON.stringify(sealed)).not.toContain('hunter2');
    expect(sealed.keys).toEqual(['password', 'username']);
    expect(k.unseal(sealed)).toEqual({ username: 'admin', password: 'hunter2-secret' });
  });

  it('gives the same version for the same content (any key order) and another for changed content', () => {
    const k = key(1);
    const a = k.seal('s', { a: '1', b: '2' });
    const b = k.seal('s', { b: '2', a: '1' });
    expect(a.sealed).not.toBe(b.sealed); // random IV
    expect(a.version).toBe(b.version);
    expect(k.seal('s', { a: '1', b: '3' }).version).not.toBe(a.version);
    expect(key(2).seal('s', { a: '1', b: '2' }).version).not.toBe(a.version); // keyed: not a plain hash
  });

  it('refuses to unseal with another key, naming the secret', () => {
    const sealed = key(1).seal('bmc-creds', { password: 'x' });
    expect(() => key(2).unseal(sealed)).toThrow(SecretUnsealError);
    expect(() => key(2).unseal(sealed)).toThrow(/bmc-creds/);
  });

  it('creates a 0600 key file once and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyring-'));
    const keyFile = join(dir, 'sub', 'secret.key');
    const a = Keyring.load({ keyFile, create: true, env: {} });
    const first = readFileSync(keyFile, 'utf8');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const b = Keyring.load({ keyFile, create: true, env: {} });
    expect(readFileSync(keyFile, 'utf8')).toBe(first);
    expect(b.unseal(a.seal('s', { x: 'y' }))).toEqual({ x: 'y' });
  });

  it('prefers METALFLOW_SECRET_KEY and explains a missing key', () => {
    const env = { METALFLOW_SECRET_KEY: '01'.repeat(32) };
    expect(Keyring.load({ keyFile: '/nonexistent/key', env }).unseal(key(1).seal('s', { a: 'b' }))).toEqual({ a: 'b' });
    expect(() => Keyring.load({ keyFile: '/nonexistent/key', env: {} })).toThrow(/METALFLOW_SECRET_KEY/);
  });
});
