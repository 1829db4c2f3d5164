/**
 * Certificate, key and CA files named in the settings, read and checked once at start-up: used
 * as they are (the operator's PKI decides names and lifetimes), refused with a TlsFileError
 * naming the file when they cannot serve.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TlsFileError } from './tls-errors.js';

export interface TlsFiles {
  /** PEM server certificate, intermediates after it. */
  certFile: string;
  keyFile: string;
  /** PEM CA bundle for the agents; default: the certificate file itself (a self-signed certificate is its own CA). */
  caFile?: string;
}

/** A PEM file larger than this is not a certificate chain or a key (a mistaken path). */
export const MAX_PEM_FILE_BYTES = 1024 * 1024;

export interface PemPair {
  certPem: string;
  keyPem: string;
  caPem: string;
}

export function readTlsFiles(f: TlsFiles): PemPair {
  const certPem = readPem(f.certFile);
  const keyPem = readPem(f.keyFile);
  const caPem = f.caFile ? readPem(f.caFile) : certPem;
  const cert = parseCertificate(f.certFile, certPem);
  const key = parseKey(f.keyFile, keyPem);
  if (!cert.checkPrivateKey(key)) throw new TlsFileError(f.keyFile, `this private key does not match the certificate in ${f.certFile}`);
  if (f.caFile) parseCertificate(f.caFile, caPem);
  return { certPem, keyPem, caPem };
}

export function readPem(file: string): string {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (err) {
    throw new TlsFileError(file, `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (text.length > MAX_PEM_FILE_BYTES) throw new TlsFileError(file, `larger than ${MAX_PEM_FILE_BYTES} bytes: not a PEM certificate or key`);
  const pem = text.toString('utf8');
  if (!pem.includes('-----BEGIN ')) throw new TlsFileError(file, 'not a PEM file');
  return pem;
}

export function parseCertificate(file: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new TlsFileError(file, `not a PEM certificate (${(err as Error).message})`);
  }
}

export function parseKey(file: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new TlsFileError(file, `not a PEM private key, or one protected by a passphrase (${(err as Error).message})`);
  }
}
