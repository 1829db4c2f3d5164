/**
 * TLS material of a boot worker: generated once into its directory with Debian's openssl (CA and
 * server certificate, keys 0600 in a 0700 directory), reused on the next start, the server
 * certificate remade only when it no longer covers the serving address; or files from settings,
 * used as they are, with typed errors for files that cannot serve.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CA_CERT_FILE, CA_KEY_FILE, KEY_FILE_MODE, RENEW_BEFORE_MS, SERVER_CERT_FILE, SERVER_KEY_FILE, TLS_DIR_MODE, ensureGeneratedMaterial } from '../../../src/tls/generated-material.js';
import { loadTlsMaterial } from '../../../src/tls/material.js';
import { readTlsFiles } from '../../../src/tls/file-material.js';
import { MAX_SUBJECT_ALT_NAMES, certificateCovers } from '../../../src/tls/subject-alt-names.js';
import { TlsFileError, TlsMaterialError } from '../../../src/tls/tls-errors.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const root = mkdtempSync(join(tmpdir(), 'metalflow-tls-'));
afterAll(() => removeTempDir(root));
let n = 0;
const fresh = (): string => join(root, `t${++n}`, 'tls'); // the material directory does not exist yet

const mode = (p: string): number => statSync(p).mode & 0o777;

/** A directory holding the given files (an operator's certificate files). */
function filesDir(files: Record<string, string>): string {
  const d = join(root, `files${++n}`);
  mkdirSync(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

describe('generated TLS material', () => {
  it('creates a CA and a server certificate for the serving addresses, keys 0600 in a 0700 directory', async () => {
    const dir = fresh();
    const m = await ensureGeneratedMaterial(dir, ['192.0.2.10', 'boot.example']);
    expect(m.generated).toEqual(['ca', 'server']);
    expect(mode(dir)).toBe(TLS_DIR_MODE);
    expect(mode(join(dir, CA_KEY_FILE))).toBe(KEY_FILE_MODE);
    expect(mode(join(dir, SERVER_KEY_FILE))).toBe(KEY_FILE_MODE);
    expect(TLS_DIR_MODE).toBe(0o700);
    expect(KEY_FILE_MODE).toBe(0o600);

    const ca = new X509Certificate(m.caPem);
    const server = new X509Certificate(m.certPem);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe('IP Address:192.0.2.10, DNS:boot.example');
    expect(server.checkIP('192.0.2.10')).toBe('192.0.2.10');
    expect(server.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    // The key served is the certificate's key, and the files on disk are what was returned.
    expect(server.checkPrivateKey(createPrivateKey(m.keyPem))).toBe(true);
    expect(readFileSync(join(dir, SERVER_CERT_FILE), 'utf8')).toBe(m.certPem);
    expect(readFileSync(join(dir, CA_CERT_FILE), 'utf8')).toBe(m.caPem);
  });

  it('reuses both on the next start', async () => {
    const dir = fresh();
    const first = await ensureGeneratedMaterial(dir, ['192.0.2.10']);
    const again = await ensureGeneratedMaterial(dir, ['192.0.2.10']);
    expect(again.generated).toEqual([]);
    expect(again.certPem).toBe(first.certPem);
    expect(again.keyPem).toBe(first.keyPem);
    expect(again.caPem).toBe(first.caPem);
  });

  it('remakes only the server certificate when it no longer covers the serving address, under the same CA', async () => {
    const dir = fresh();
    const first = await ensureGeneratedMaterial(dir, ['192.0.2.10']);
    const moved = await ensureGeneratedMaterial(dir, ['192.0.2.20']);
    expect(moved.generated).toEqual(['server']);
    expect(moved.caPem).toBe(first.caPem);
    const server = new X509Certificate(moved.certPem);
    expect(server.checkIP('192.0.2.20')).toBe('192.0.2.20');
    expect(server.checkIP('192.0.2.10')).toBeUndefined();
    expect(server.verify(new X509Certificate(first.caPem).publicKey)).toBe(true);
    // A subset of what the certificate covers needs nothing new.
    const wider = await ensureGeneratedMaterial(dir, ['192.0.2.20', 'boot.example']);
    expect(wider.generated).toEqual(['server']);
    expect((await ensureGeneratedMaterial(dir, ['boot.example'])).generated).toEqual([]);
  });

  it('remakes a missing or damaged server key, and a key that is not the certificate\'s', async () => {
    const dir = fresh();
    const first = await ensureGeneratedMaterial(dir, ['192.0.2.10']);
    rmSync(join(dir, SERVER_KEY_FILE));
    expect((await ensureGeneratedMaterial(dir, ['192.0.2.10'])).generated).toEqual(['server']);
    writeFileSync(join(dir, SERVER_KEY_FILE), readFileSync(join(dir, CA_KEY_FILE)), { mode: 0o600 });
    const mended = await ensureGeneratedMaterial(dir, ['192.0.2.10']);
    expect(mended.generated).toEqual(['server']);
    expect(mended.caPem).toBe(first.caPem);
    expect(new X509Certificate(mended.certPem).checkPrivateKey(createPrivateKey(mended.keyPem))).toBe(true);
  });

  it('never replaces half a CA: a CA certificate without its key is a typed error', async () => {
    const dir = fresh();
    await ensureGeneratedMaterial(dir, ['192.0.2.10']);
    rmSync(join(dir, CA_KEY_FILE));
    await expect(ensureGeneratedMaterial(dir, ['192.0.2.10'])).rejects.toThrow(TlsMaterialError);
    await expect(ensureGeneratedMaterial(dir, ['192.0.2.10'])).rejects.toThrow(/ca\.key/);
  });

  it('tightens a directory left readable by others', async () => {
    const dir = fresh();
    await ensureGeneratedMaterial(dir, ['192.0.2.10']);
    chmodSync(dir, 0o755);
    await ensureGeneratedMaterial(dir, ['192.0.2.10']);
    expect(mode(dir)).toBe(0o700);
  });

  it('remakes a server certificate close to its end (RENEW_BEFORE_MS), and leaves no work files behind', async () => {
    const dir = fresh();
    const first = await ensureGeneratedMaterial(dir, ['192.0.2.10']);
    const end = new Date(new X509Certificate(first.certPem).validTo).getTime();
    expect((await ensureGeneratedMaterial(dir, ['192.0.2.10'], { now: new Date(end - RENEW_BEFORE_MS - 60_000) })).generated).toEqual([]);
    expect((await ensureGeneratedMaterial(dir, ['192.0.2.10'], { now: new Date(end - RENEW_BEFORE_MS + 60_000) })).generated).toEqual(['server']);
    expect(readdirSync(dir).sort()).toEqual([CA_CERT_FILE, CA_KEY_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE].sort());
  });

  it('refuses more than MAX_SUBJECT_ALT_NAMES names', async () => {
    const names = Array.from({ length: MAX_SUBJECT_ALT_NAMES + 1 }, (_, i) => `10.0.0.${i + 1}`);
    await expect(ensureGeneratedMaterial(fresh(), names)).rejects.toThrow(/at most 32/);
    expect((await ensureGeneratedMaterial(fresh(), names.slice(1))).generated).toEqual(['ca', 'server']);
  });

  it('refuses names that are neither an IP address nor a DNS name (they would reach openssl)', async () => {
    await expect(ensureGeneratedMaterial(fresh(), ['192.0.2.10', 'bad,name'])).rejects.toThrow(TlsMaterialError);
    await expect(ensureGeneratedMaterial(fresh(), [])).rejects.toThrow(TlsMaterialError);
  });
});

describe('TLS material from settings', () => {
  it('uses the files as they are; the CA defaults to the certificate itself (as Ironic copies it)', async () => {
    const made = await ensureGeneratedMaterial(fresh(), ['192.0.2.10']);
    const d = filesDir({ 'tls.crt': made.certPem, 'tls.key': made.keyPem, 'ca.crt': made.caPem });
    const withCa = await loadTlsMaterial({ files: { certFile: join(d, 'tls.crt'), keyFile: join(d, 'tls.key'), caFile: join(d, 'ca.crt') }, dir: join(d, 'unused'), subjectAltNames: ['198.51.100.1'] });
    expect(withCa).toMatchObject({ certPem: made.certPem, keyPem: made.keyPem, caPem: made.caPem, source: 'files' });
    // Not covering the serving address is reported, not "fixed": the operator's certificate is theirs.
    expect(withCa.covers).toBe(false);
    expect(existsSync(join(d, 'unused'))).toBe(false); // nothing generated
    const noCa = readTlsFiles({ certFile: join(d, 'tls.crt'), keyFile: join(d, 'tls.key') });
    expect(noCa.caPem).toBe(made.certPem);
  });

  it('a missing file, a file that is not PEM, or a key that is not the certificate\'s is a TlsFileError naming the file', async () => {
    const a = await ensureGeneratedMaterial(fresh(), ['192.0.2.10']);
    const b = await ensureGeneratedMaterial(fresh(), ['192.0.2.10']);
    const d = filesDir({ 'a.crt': a.certPem, 'b.key': b.keyPem, 'junk.crt': 'not a certificate\n' });
    expect(() => readTlsFiles({ certFile: join(d, 'missing.crt'), keyFile: join(d, 'b.key') })).toThrow(TlsFileError);
    expect(() => readTlsFiles({ certFile: join(d, 'missing.crt'), keyFile: join(d, 'b.key') })).toThrow(/missing\.crt/);
    expect(() => readTlsFiles({ certFile: join(d, 'junk.crt'), keyFile: join(d, 'b.key') })).toThrow(/junk\.crt/);
    expect(() => readTlsFiles({ certFile: join(d, 'a.crt'), keyFile: join(d, 'junk.crt') })).toThrow(TlsFileError);
    expect(() => readTlsFiles({ certFile: join(d, 'a.crt'), keyFile: join(d, 'b.key') })).toThrow(/does not match/);
    expect(() => readTlsFiles({ certFile: join(d, 'a.crt'), keyFile: join(d, 'b.key'), caFile: join(d, 'junk.crt') })).toThrow(TlsFileError);
  });
});

describe('certificateCovers', () => {
  it('matches IP addresses and DNS names against the certificate', async () => {
    const m = await ensureGeneratedMaterial(fresh(), ['192.0.2.10', 'boot.example']);
    const cert = new X509Certificate(m.certPem);
    expect(certificateCovers(cert, ['192.0.2.10'])).toBe(true);
    expect(certificateCovers(cert, ['boot.example', '192.0.2.10'])).toBe(true);
    expect(certificateCovers(cert, ['192.0.2.11'])).toBe(false);
    expect(certificateCovers(cert, ['other.example'])).toBe(false);
  });
});
