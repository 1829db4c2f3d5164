import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretUnsealError } from '../../../src/errors.js';
import { createKeys, KeysExistError, readPublicKey, rotateKeys } from '../../../src/secrets/key-store.js';
import { Keyring } from '../../../src/secrets/keyring.js';
import { Sealer } from '../../../src/secrets/sealer.js';

const keysDir = (): string => join(mkdtempSync(join(tmpdir(), 'keyring-')), 'keys');
const setup = (): { dir: string; sealer: Sealer; keyring: Keyring } => {
  const dir = keysDir();
  createKeys(dir);
  return { dir, sealer: Sealer.fromPublicKey(readPublicKey(dir)), keyring: Keyring.load(dir) };
};
const ctx = { namespace: 'tenant-a', purpose: 'credentials' } as const;

describe('sealing (X25519 sealed box, bound to namespace/name/purpose/key)', () => {
  it('round-trips data without the plain text in the sealed form; the sealed form names its key id', () => {
    const { sealer, keyring } = setup();
    const sealed = sealer.seal(ctx, 'bmc', { username: 'admin', password: 'hunter2-secret' });
    expect(JSON.stringify(sealed)).not.toContain('hunter2');
    expect(sealed.keys).toEqual(['password', 'username']);
    expect(sealed.sealed).toContain(sealer.keyId);
    expect(keyring.unseal(sealed, ctx)).toEqual({ username: 'admin', password: 'hunter2-secret' });
  });

  it('refuses a blob moved to another namespace, renamed to another Secret, or used for another purpose', () => {
    const { sealer, keyring } = setup();
    const sealed = sealer.seal(ctx, 'bmc-a', { username: 'admin', password: 'p' });
    expect(() => keyring.unseal(sealed, { ...ctx, namespace: 'tenant-b' })).toThrow(SecretUnsealError);
    expect(() => keyring.unseal({ ...sealed, name: 'bmc-b' }, ctx)).toThrow(SecretUnsealError);
    expect(() => keyring.unseal(sealed, { ...ctx, purpose: 'userData' })).toThrow(/bmc-a.*tenant-b|sealed for another/);
  });

  it('a client holding only the public key cannot open what it sealed', () => {
    const { dir, sealer } = setup();
    const sealed = sealer.seal(ctx, 'bmc', { password: 'p' });
    const publicText = readFileSync(join(dir, 'seal-public.json'), 'utf8');
    expect(publicText).not.toMatch(/PRIVATE/);
    expect(Object.keys(JSON.parse(publicText) as object).sort()).toEqual(['digestKey', 'keyId', 'kind', 'publicKey']);
    expect('unseal' in sealer).toBe(false);
    // Another deployment's private keys do not open it either.
    expect(() => setup().keyring.unseal(sealed, ctx)).toThrow(SecretUnsealError);
  });

  it('rotation: the new key seals, old private keys still open, each blob picks its key by id', () => {
    const { dir, sealer: before } = setup();
    const running = Keyring.load(dir); // a worker started before the rotation
    const old = before.seal(ctx, 'bmc', { password: 'old' });
    const newId = rotateKeys(dir);
    const after = Sealer.fromPublicKey(readPublicKey(dir));
    expect(after.keyId).toBe(newId);
    expect(after.keyId).not.toBe(before.keyId);
    const fresh = after.seal(ctx, 'bmc', { password: 'new' });
    expect(fresh.sealed).toContain(newId);
    const keyring = Keyring.load(dir);
    expect(keyring.unseal(old, ctx)).toEqual({ password: 'old' });
    expect(keyring.unseal(fresh, ctx)).toEqual({ password: 'new' });
    expect(running.unseal(fresh, ctx)).toEqual({ password: 'new' }); // picks up the new key file
    // Same content, same Secret: the version survives rotation (re-applying stays a no-op).
    expect(after.seal(ctx, 'bmc', { password: 'old' }).version).toBe(old.version);
  });

  it('versions: same content and Secret give the same version; equal values under other names or namespaces do not show', () => {
    const { sealer } = setup();
    const a = sealer.seal(ctx, 's', { a: '1', b: '2' });
    const b = sealer.seal(ctx, 's', { b: '2', a: '1' });
    expect(a.sealed).not.toBe(b.sealed); // fresh ephemeral key every time
    expect(a.version).toBe(b.version);
    expect(sealer.seal(ctx, 's', { a: '1', b: '3' }).version).not.toBe(a.version);
    expect(sealer.seal(ctx, 'other', { a: '1', b: '2' }).version).not.toBe(a.version);
    expect(sealer.seal({ ...ctx, namespace: 'tenant-b' }, 's', { a: '1', b: '2' }).version).not.toBe(a.version);
    expect(setup().sealer.seal(ctx, 's', { a: '1', b: '2' }).version).not.toBe(a.version); // keyed: not a plain hash
  });

  it('keys create: a 0600 private key and the public file in a 0700 directory, never overwriting', () => {
    const dir = keysDir();
    const id = createKeys(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir).sort();
    expect(files).toEqual([`${id}.key`, 'seal-public.json']);
    expect(statSync(join(dir, `${id}.key`)).mode & 0o777).toBe(0o600);
    const before = readFileSync(join(dir, `${id}.key`), 'utf8');
    expect(() => createKeys(dir)).toThrow(KeysExistError);
    expect(readFileSync(join(dir, `${id}.key`), 'utf8')).toBe(before);
  });

  it('a worker without keys fails with a message saying where it looked and how to create them', () => {
    const dir = keysDir();
    expect(() => Keyring.load(dir)).toThrow(new RegExp(`${dir}.*metalflow keys create`, 's'));
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses blobs sealed by the old symmetric scheme with a message saying to apply again', () => {
    const { keyring } = setup();
    const legacy = { name: 'bmc', version: '0123456789abcdef', keys: ['password'], sealed: Buffer.alloc(48, 1).toString('base64') };
    expect(() => keyring.unseal(legacy, ctx)).toThrow(/apply/);
  });
});
