/**
 * An X25519 sealed box, as Bitnami Sealed Secrets seals to its controller's public key (there with
 * RSA-OAEP): a fresh X25519 key pair per seal, ECDH with the recipient's public key, HKDF-SHA256 to
 * an AES-256-GCM key. The associated data binds the ciphertext to where it may be opened (namespace,
 * Secret name, purpose) and to the recipient key id, so a blob copied into another host's spec, or
 * renamed, fails authentication instead of opening (Bitnami's "strict" scope).
 */
import { createCipheriv, createDecipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type { SecretPurpose } from './sealed-types.js';

/** Format tag, first field of every sealed string (the old symmetric format had none). */
export const SEALED_FORMAT = 'mf2';
const HKDF_INFO = 'metalflow sealed secret v2';
const X25519_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface BoxContext {
  namespace: string;
  name: string;
  purpose: SecretPurpose;
}

export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'X25519' || !jwk.x) throw new Error('not an X25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== X25519_BYTES) throw new Error(`an X25519 public key is ${X25519_BYTES} bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** Key id: first 16 hex chars of SHA-256 over the raw public key (so it can be checked, not just trusted). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

function associatedData(ctx: BoxContext, keyId: string): Buffer {
  return Buffer.from(JSON.stringify([SEALED_FORMAT, ctx.namespace, ctx.name, ctx.purpose, keyId]), 'utf8');
}

function boxKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), HKDF_INFO, 32));
}

export function sealBox(recipient: KeyObject, ctx: BoxContext, plain: Buffer): string {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralRaw = rawPublicKey(ephemeral.publicKey);
  const keyId = keyIdOf(recipient);
  const key = boxKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), ephemeralRaw, rawPublicKey(recipient));
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(ctx, keyId));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return `${SEALED_FORMAT}.${keyId}.${Buffer.concat([ephemeralRaw, iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** The key id a sealed string names, or undefined when it is not in this format. */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts.length === 3 && parts[0] === SEALED_FORMAT && /^[0-9a-f]{16}$/.test(parts[1] ?? '') ? parts[1] : undefined;
}

/** Opens a sealed box with the recipient's private key; throws if it was sealed for another context or key. */
export function openBox(privateKey: KeyObject, ctx: BoxContext, sealed: string): Buffer {
  const keyId = sealedKeyId(sealed);
  if (!keyId) throw new Error('not a sealed box');
  const raw = Buffer.from(sealed.split('.')[2] ?? '', 'base64');
  if (raw.length < X25519_BYTES + IV_BYTES + TAG_BYTES) throw new Error('sealed box too short');
  const ephemeralRaw = raw.subarray(0, X25519_BYTES);
  const recipient = createPublicKey(privateKey);
  const key = boxKey(diffieHellman({ privateKey, publicKey: publicKeyFromRaw(ephemeralRaw) }), ephemeralRaw, rawPublicKey(recipient));
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(X25519_BYTES, X25519_BYTES + IV_BYTES));
  decipher.setAAD(associatedData(ctx, keyId));
  decipher.setAuthTag(raw.subarray(X25519_BYTES + IV_BYTES, X25519_BYTES + IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(X25519_BYTES + IV_BYTES + TAG_BYTES)), decipher.final()]);
}
