/**
 * Sealing keys on disk, in one directory (default `$METALFLOW_DATA_DIR/keys`, mode 0700):
 * `<key id>.key` private keys (PKCS#8 PEM, mode 0600; every one ever created, so old blobs still
 * open) and `seal-public.json`, the current sealing public key and the digest key, which is all a
 * client needs. Only `metalflow keys create|rotate` writes here; nothing creates keys implicitly.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf, rawPublicKey } from './sealed-box.js';
import { SEALING_PUBLIC_KEY_KIND, formatSealingPublicKey, parseSealingPublicKey, type SealingPublicKey } from './sealer.js';

export const PUBLIC_KEY_FILE = 'seal-public.json';
const PRIVATE_KEY_FILE = /^([0-9a-f]{16})\.key$/;

/** Base of the key errors an operator must act on (the CLI prints their message alone). */
export class SealingKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class KeysExistError extends SealingKeyError {
  constructor(dir: string) {
    super(`sealing keys already exist in ${dir}; \`metalflow keys rotate\` makes a new sealing key (old ones keep opening)`);
  }
}

/** A worker found no private key: it could open nothing. */
export class NoPrivateKeysError extends SealingKeyError {
  constructor(dir: string) {
    super(`no sealing keys in ${dir} (METALFLOW_SEAL_KEY_DIR): create them with \`metalflow keys create\` (same METALFLOW_DATA_DIR), then apply hosts`);
  }
}

/** A client found no public key to seal with. */
export class SealingKeyNotFoundError extends SealingKeyError {}

/** Where a client looks for the public key, in this order. */
export interface PublicKeySources {
  /** The key file's content itself (METALFLOW_SEAL_PUBLIC_KEY). */
  inline?: string;
  /** A copy of the public key file (METALFLOW_SEAL_PUBLIC_KEY_FILE). */
  file?: string;
  /** The key directory of a deployment on this machine (METALFLOW_SEAL_KEY_DIR / METALFLOW_DATA_DIR). */
  keyDir: string;
}

/** Creates the first key pair and the digest key; refuses if any key is there already. Returns the key id. */
export function createKeys(dir: string): string {
  if (existsSync(join(dir, PUBLIC_KEY_FILE)) || privateKeyFiles(dir).length > 0) throw new KeysExistError(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return writeNewPair(dir, randomBytes(32));
}

/** A new key pair becomes the sealing key; old private keys stay. Returns the new key id. */
export function rotateKeys(dir: string): string {
  const current = readPublicKey(dir);
  return writeNewPair(dir, Buffer.from(current.digestKey, 'base64url'));
}

function writeNewPair(dir: string, digestKey: Buffer): string {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const keyId = keyIdOf(publicKey);
  // 'wx': never overwrite a private key (that would orphan everything it sealed).
  writeFileSync(join(dir, `${keyId}.key`), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  const pub: SealingPublicKey = { kind: SEALING_PUBLIC_KEY_KIND, keyId, publicKey: rawPublicKey(publicKey).toString('base64url'), digestKey: digestKey.toString('base64url') };
  // Replace the public file atomically: a client reading it mid-rotation sees the old or the new key.
  const tmp = join(dir, `.${PUBLIC_KEY_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, formatSealingPublicKey(pub), { mode: 0o600 });
  renameSync(tmp, join(dir, PUBLIC_KEY_FILE));
  return keyId;
}

export function readPublicKey(dir: string): SealingPublicKey {
  const file = join(dir, PUBLIC_KEY_FILE);
  if (!existsSync(file)) throw new SealingKeyNotFoundError(`no sealing public key at ${file}: create the keys with \`metalflow keys create\``);
  return parseSealingPublicKey(readFileSync(file, 'utf8'), file);
}

/** The client's public key: inline, else the given file, else the key directory's public file. */
export function findPublicKey(src: PublicKeySources): SealingPublicKey {
  if (src.inline) return parseSealingPublicKey(src.inline, 'METALFLOW_SEAL_PUBLIC_KEY');
  if (src.file) {
    if (!existsSync(src.file)) throw new SealingKeyNotFoundError(`METALFLOW_SEAL_PUBLIC_KEY_FILE=${src.file}: no such file`);
    return parseSealingPublicKey(readFileSync(src.file, 'utf8'), src.file);
  }
  const file = join(src.keyDir, PUBLIC_KEY_FILE);
  if (existsSync(file)) return parseSealingPublicKey(readFileSync(file, 'utf8'), file);
  throw new SealingKeyNotFoundError(
    `no sealing public key: METALFLOW_SEAL_PUBLIC_KEY and METALFLOW_SEAL_PUBLIC_KEY_FILE are unset and ${file} does not exist. ` +
      'Create the keys where the workers run with `metalflow keys create` (same METALFLOW_DATA_DIR as the workers), ' +
      'or give this client the output of `metalflow keys public` (METALFLOW_SEAL_PUBLIC_KEY_FILE=<file>)',
  );
}

function privateKeyFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => PRIVATE_KEY_FILE.test(f));
}

/** Every private key in the directory by key id (a file whose key does not match its name is refused). */
export function readPrivateKeys(dir: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const f of privateKeyFiles(dir)) {
    const key = createPrivateKey(readFileSync(join(dir, f), 'utf8'));
    const id = keyIdOf(createPublicKey(key));
    if (`${id}.key` !== f) throw new SealingKeyError(`${join(dir, f)} holds key ${id}, not the key its name says`);
    keys.set(id, key);
  }
  return keys;
}
