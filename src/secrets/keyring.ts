import type { KeyObject } from 'node:crypto';
import { SecretUnsealError } from '../errors.js';
import { NoPrivateKeysError, readPrivateKeys } from './key-store.js';
import { openBox, sealedKeyId } from './sealed-box.js';
import type { SealedSecret, UnsealContext } from './sealed-types.js';

/**
 * The workers' private sealing keys. Activities unseal right before they talk to a BMC or build a
 * config drive, always in the context of the host they act for, so plain values never reach history
 * and a blob sealed for another namespace, Secret or purpose does not open. Clients cannot open:
 * they hold only the public key (src/secrets/sealer.ts).
 */
export class Keyring {
  private constructor(
    private keys: Map<string, KeyObject>,
    /** Re-reads the key directory: a key rotated in after this worker started is found on first use. */
    private readonly reload?: () => Map<string, KeyObject>,
  ) {}

  static fromPrivateKeys(keys: Map<string, KeyObject>): Keyring {
    return new Keyring(new Map(keys));
  }

  /** Every private key in `dir`; fails (saying how to create them) when there is none. Never creates keys. */
  static load(dir: string): Keyring {
    const keys = readPrivateKeys(dir);
    if (keys.size === 0) throw new NoPrivateKeysError(dir);
    return new Keyring(keys, () => readPrivateKeys(dir));
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  unseal(secret: SealedSecret, ctx: UnsealContext): Record<string, string> {
    const keyId = sealedKeyId(secret.sealed);
    if (!keyId) throw new SecretUnsealError(secret.name, 'it is not in the public-key sealed format (sealed by an older metalflow?); apply the host and its Secrets again');
    let key = this.keys.get(keyId);
    if (!key && this.reload) {
      this.keys = this.reload();
      key = this.keys.get(keyId);
    }
    if (!key) throw new SecretUnsealError(secret.name, `it was sealed with key ${keyId}, which this worker does not have (it has ${this.keyIds.join(', ') || 'none'})`);
    try {
      return JSON.parse(openBox(key, { ...ctx, name: secret.name }, secret.sealed).toString('utf8')) as Record<string, string>;
    } catch {
      throw new SecretUnsealError(secret.name, `it was sealed for another namespace, Secret or purpose than ${ctx.purpose} of a host in namespace ${ctx.namespace}, or it is damaged`);
    }
  }
}
