/**
 * The names a server certificate must cover: the boot worker's addresses (IP) and any DNS names
 * it is reached by. Validated before they reach openssl's extension syntax, where a comma or a
 * colon would add names nobody asked for.
 */
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { TlsMaterialError } from './tls-errors.js';

/** At most this many names in one certificate (a settings typo must not build a huge one). */
export const MAX_SUBJECT_ALT_NAMES = 32;

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** The names, validated and without duplicates, in the order given. */
export function checkSubjectAltNames(names: readonly string[]): string[] {
  const unique = [...new Set(names.map((n) => n.trim()))];
  if (unique.length === 0) throw new TlsMaterialError('a server certificate needs at least one address or DNS name');
  if (unique.length > MAX_SUBJECT_ALT_NAMES) throw new TlsMaterialError(`${unique.length} certificate names: at most ${MAX_SUBJECT_ALT_NAMES}`);
  for (const n of unique) if (!isIP(n) && !DNS_NAME.test(n)) throw new TlsMaterialError(`${JSON.stringify(n)} is neither an IP address nor a DNS name`);
  return unique;
}

/** openssl's subjectAltName value: `IP:192.0.2.10,DNS:boot.example`. */
export function subjectAltNameExtension(names: readonly string[]): string {
  return checkSubjectAltNames(names)
    .map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`))
    .join(',');
}

/** Whether the certificate is valid for every one of the names. */
export function certificateCovers(cert: X509Certificate, names: readonly string[]): boolean {
  return names.every((n) => (isIP(n) ? cert.checkIP(n) !== undefined : cert.checkHost(n, { wildcards: false, subject: 'never' }) !== undefined));
}
