import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SecretUnsealError } from '../errors.js';
import type { SealedSecret } from './sealed-types.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals and unseals Secret data with one 256-bit key. The client seals at `apply`; activities unseal
 * right before they talk to a BMC or build a config drive, so plain values never reach history.
 */
export class Keyring {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): Keyring {
    if (key.length !== 32) throw new Error(`secret key must be 32 bytes, got ${key.length}`);
    return new Keyring(key);
  }

  /**
   * Key from METALFLOW_SECRET_KEY (64 hex chars), else from the key file (created with mode 0600
   * when `create` is set, as the stack's start script does on first run).
   */
  static load(opts: { env?: NodeJS.ProcessEnv; keyFile: string; create?: boolean }): Keyring {
    const env = opts.env ?? process.env;
    const hex = env.METALFLOW_SECRET_KEY;
    if (hex) return Keyring.fromKey(Buffer.from(hex.trim(), 'hex'));
    if (!existsSync(opts.keyFile)) {
      if (!opts.create) {
        throw new Error(`no secret key: set METALFLOW_SECRET_KEY or create ${opts.keyFile} (the start script does)`);
      }
      mkdirSync(dirname(opts.keyFile), { recursive: true });
      try {
        // 'wx': never overwrite a key another process created first (that would orphan its sealed data).
        writeFileSync(opts.keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    return Keyring.fromKey(Buffer.from(readFileSync(opts.keyFile, 'utf8').trim(), 'hex'));
  }

  version(data: Record<string, string>): string {
    return createHmac('sha256', this.key).update(canonical(data)).digest('hex').slice(0, 16);
  }

  seal(name: string, data: Record<string, string>): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(canonical(data), 'utf8'), cipher.final()]);
    return { name, version: this.version(data), keys: Object.keys(data).sort(), sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
  }

  unseal(secret: SealedSecret): Record<string, string> {
    try {
      const raw = Buffer.from(secret.sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as Record<string, string>;
    } catch {
      throw new SecretUnsealError(secret.name);
    }
  }
}

function canonical(data: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b))));
}
