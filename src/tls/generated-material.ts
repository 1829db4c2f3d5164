/**
 * The CA and server certificate a boot worker makes for itself when no certificate is configured:
 * generated once into its TLS directory (0700; keys 0600) with Debian's openssl, reused on every
 * start. The CA is never replaced (agents and ISOs carry it); the server certificate is remade
 * under the same CA only when it is missing, damaged, not the CA's, close to expiry, or no longer
 * covers the addresses the worker serves.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificate, parseKey, readPem } from './file-material.js';
import { openssl } from './openssl.js';
import { certificateCovers, checkSubjectAltNames, subjectAltNameExtension } from './subject-alt-names.js';
import { TlsFileError, TlsMaterialError } from './tls-errors.js';

export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';
export const SERVER_CERT_FILE = 'server.crt';
export const SERVER_KEY_FILE = 'server.key';
export const TLS_DIR_MODE = 0o700;
export const KEY_FILE_MODE = 0o600;
/** RSA, not EC: iPXE's TLS and older BMCs' virtual media clients verify RSA chains only. */
export const KEY_ALGORITHM = 'rsa:2048';
export const CA_DAYS = 3650;
/** 825 days: the longest server certificate lifetime Apple's and browsers' clients still accept. */
export const SERVER_DAYS = 825;
/** A server certificate this close to its end is remade at start-up. */
export const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export interface GeneratedMaterial {
  certPem: string;
  keyPem: string;
  caPem: string;
  /** What this call made ([] when everything was reused). */
  generated: Array<'ca' | 'server'>;
}

export async function ensureGeneratedMaterial(dir: string, names: readonly string[], opts: { now?: Date } = {}): Promise<GeneratedMaterial> {
  const sans = checkSubjectAltNames(names);
  mkdirSync(dir, { recursive: true, mode: TLS_DIR_MODE });
  chmodSync(dir, TLS_DIR_MODE); // an existing directory left open is closed again
  const generated: GeneratedMaterial['generated'] = [];
  let ca = readCa(dir);
  if (!ca) {
    await generate(dir, sans, 'ca');
    generated.push('ca');
    ca = readCa(dir);
  }
  if (!ca) throw new TlsMaterialError(`${dir}: the CA just generated cannot be read back`);
  if (!serverUsable(dir, ca.cert, sans, opts.now ?? new Date())) {
    await generate(dir, sans, 'server');
    generated.push('server');
  }
  return { certPem: readFileSync(join(dir, SERVER_CERT_FILE), 'utf8'), keyPem: readFileSync(join(dir, SERVER_KEY_FILE), 'utf8'), caPem: ca.pem, generated };
}

/** The CA, or undefined when there is none; half a CA or a broken one is an error (never silently replaced). */
function readCa(dir: string): { cert: X509Certificate; pem: string } | undefined {
  const certFile = join(dir, CA_CERT_FILE);
  const keyFile = join(dir, CA_KEY_FILE);
  const [hasCert, hasKey] = [existsSync(certFile), existsSync(keyFile)];
  if (!hasCert && !hasKey) return undefined;
  const remedy = `agents and ISOs made with this CA trust only it: restore the file, or remove both ${CA_CERT_FILE} and ${CA_KEY_FILE} to make a new CA`;
  if (!hasCert || !hasKey) throw new TlsMaterialError(`${dir} holds ${hasCert ? CA_CERT_FILE : CA_KEY_FILE} without ${hasCert ? CA_KEY_FILE : CA_CERT_FILE}; ${remedy}`);
  const pem = readPem(certFile);
  const cert = parseCertificate(certFile, pem);
  if (!cert.ca || !cert.checkPrivateKey(parseKey(keyFile, readPem(keyFile)))) throw new TlsFileError(certFile, `not a CA certificate matching ${CA_KEY_FILE}; ${remedy}`);
  return { cert, pem };
}

function serverUsable(dir: string, ca: X509Certificate, sans: string[], now: Date): boolean {
  try {
    const cert = new X509Certificate(readFileSync(join(dir, SERVER_CERT_FILE)));
    const key = parseKey(SERVER_KEY_FILE, readFileSync(join(dir, SERVER_KEY_FILE), 'utf8'));
    return cert.checkPrivateKey(key) && cert.checkIssued(ca) && cert.verify(ca.publicKey) && new Date(cert.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS && certificateCovers(cert, sans);
  } catch {
    return false; // missing or damaged: made again
  }
}

/**
 * Runs openssl in a fresh 0700 work directory inside `dir`, then moves the results into place
 * (key first: a reader between the two renames sees a key that does not match and remakes it).
 */
async function generate(dir: string, sans: string[], what: 'ca' | 'server'): Promise<void> {
  const work = mkdtempSync(join(dir, '.new-'));
  try {
    const conf = join(work, 'openssl.cnf');
    writeFileSync(conf, opensslConfig(sans), { mode: 0o600 });
    if (what === 'ca') {
      const cn = `/CN=metalflow boot CA ${randomBytes(4).toString('hex')}`;
      await openssl(['req', '-x509', '-config', conf, '-extensions', 'v3_ca', '-newkey', KEY_ALGORITHM, '-nodes', '-sha256', '-days', String(CA_DAYS), '-subj', cn, '-keyout', join(work, CA_KEY_FILE), '-out', join(work, CA_CERT_FILE)], 'make the CA');
      install(work, dir, CA_KEY_FILE, CA_CERT_FILE);
    } else {
      const csr = join(work, 'server.csr');
      await openssl(['req', '-new', '-config', conf, '-newkey', KEY_ALGORITHM, '-nodes', '-subj', `/CN=${sans[0] ?? ''}`, '-keyout', join(work, SERVER_KEY_FILE), '-out', csr], 'make the server key');
      const serial = `0x${randomBytes(16).toString('hex')}`;
      await openssl(
        ['x509', '-req', '-in', csr, '-CA', join(dir, CA_CERT_FILE), '-CAkey', join(dir, CA_KEY_FILE), '-set_serial', serial, '-sha256', '-days', String(SERVER_DAYS), '-extfile', conf, '-extensions', 'v3_server', '-out', join(work, SERVER_CERT_FILE)],
        'sign the server certificate',
      );
      install(work, dir, SERVER_KEY_FILE, SERVER_CERT_FILE);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function install(work: string, dir: string, keyFile: string, certFile: string): void {
  chmodSync(join(work, keyFile), KEY_FILE_MODE);
  chmodSync(join(work, certFile), 0o644);
  renameSync(join(work, keyFile), join(dir, keyFile));
  renameSync(join(work, certFile), join(dir, certFile));
}

/** The extensions strict verifiers (Python 3.13's VERIFY_X509_STRICT, iPXE) expect of a CA and a server. */
function opensslConfig(sans: string[]): string {
  return `[req]
distinguished_name = dn
prompt = no
[dn]
CN = metalflow
[v3_ca]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = ${subjectAltNameExtension(sans)}
`;
}
