/**
 * The client side of sealing: what `apply` holds. The workers' public key seals (nothing here can
 * open), and the digest key makes each Secret's version. Versions bind namespace and name, so equal
 * passwords in different Secrets or namespaces do not show as equal in history. A holder of the digest
 * key (every client) could test guesses of a value against a version offline: give the public key
 * file to those who may apply, as you would the right to apply.
 */
import { createHmac } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { keyIdOf, publicKeyFromRaw, sealBox } from './sealed-box.js';
import type { SealedSecret, UnsealContext } from './sealed-types.js';

export const SEALING_PUBLIC_KEY_KIND = 'metalflow-sealing-public-key';

/** The public key file's content (`metalflow keys public`): JSON, also accepted inline in an env var. */
export interface SealingPublicKey {
  kind: typeof SEALING_PUBLIC_KEY_KIND;
  keyId: string;
  /** Raw X25519 public key, base64url. */
  publicKey: string;
  /** 32-byte HMAC key for versions, base64url; stable across key rotations (versions stay comparable). */
  digestKey: string;
}

export class InvalidSealingKeyError extends Error {
  constructor(source: string, why: string) {
    super(`${source}: not a metalflow sealing public key (${why}); print one with \`metalflow keys public\``);
    this.name = 'InvalidSealingKeyError';
  }
}

export function parseSealingPublicKey(text: string, source: string): SealingPublicKey {
  let v: Partial<SealingPublicKey>;
  try {
    v = JSON.parse(text) as Partial<SealingPublicKey>;
  } catch {
    throw new InvalidSealingKeyError(source, 'not JSON');
  }
  if (v.kind !== SEALING_PUBLIC_KEY_KIND || typeof v.keyId !== 'string' || typeof v.publicKey !== 'string' || typeof v.digestKey !== 'string') {
    throw new InvalidSealingKeyError(source, `expected {kind: "${SEALING_PUBLIC_KEY_KIND}", keyId, publicKey, digestKey}`);
  }
  let id: string;
  try {
    id = keyIdOf(publicKeyFromRaw(Buffer.from(v.publicKey, 'base64url')));
  } catch (err) {
    throw new InvalidSealingKeyError(source, (err as Error).message);
  }
  if (id !== v.keyId) throw new InvalidSealingKeyError(source, `keyId ${v.keyId} does not match the public key (${id})`);
  if (Buffer.from(v.digestKey, 'base64url').length !== 32) throw new InvalidSealingKeyError(source, 'digestKey must be 32 bytes');
  return { kind: SEALING_PUBLIC_KEY_KIND, keyId: v.keyId, publicKey: v.publicKey, digestKey: v.digestKey };
}

export function formatSealingPublicKey(k: SealingPublicKey): string {
  return `${JSON.stringify({ kind: k.kind, keyId: k.keyId, publicKey: k.publicKey, digestKey: k.digestKey })}\n`;
}

export class Sealer {
  private constructor(
    readonly keyId: string,
    private readonly publicKey: KeyObject,
    private readonly digestKey: Buffer,
  ) {}

  static fromPublicKey(k: SealingPublicKey): Sealer {
    return new Sealer(k.keyId, publicKeyFromRaw(Buffer.from(k.publicKey, 'base64url')), Buffer.from(k.digestKey, 'base64url'));
  }

  version(namespace: string, name: string, data: Record<string, string>): string {
    return createHmac('sha256', this.digestKey).update(JSON.stringify(['metalflow secret version v2', namespace, name, canonical(data)])).digest('hex').slice(0, 16);
  }

  seal(ctx: UnsealContext, name: string, data: Record<string, string>): SealedSecret {
    return {
      name,
      version: this.version(ctx.namespace, name, data),
      keys: Object.keys(data).sort(),
      sealed: sealBox(this.publicKey, { ...ctx, name }, Buffer.from(canonical(data), 'utf8')),
    };
  }
}

function canonical(data: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b))));
}
