import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_PEM_FILE_BYTES, readPem } from '../../../src/tls/file-material.js';
import { OPENSSL_TIMEOUT_MS, openssl } from '../../../src/tls/openssl.js';
import { TlsFileError, TlsGenerationError } from '../../../src/tls/tls-errors.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-openssl-'));
afterAll(() => removeTempDir(dir));

describe('openssl runner and PEM caps', () => {
  it('an openssl that does not answer within its time is a TlsGenerationError (OPENSSL_TIMEOUT_MS)', async () => {
    expect(OPENSSL_TIMEOUT_MS).toBe(60_000);
    const stuck = join(dir, 'stuck-openssl');
    writeFileSync(stuck, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(stuck, 0o755);
    await expect(openssl(['version'], 'answer', { binary: stuck, timeoutMs: 200 })).rejects.toThrow(/openssl could not answer: no answer within 200 ms/);
  });

  it('a missing openssl, or one that fails, is a TlsGenerationError saying so', async () => {
    await expect(openssl(['version'], 'answer', { binary: join(dir, 'none') })).rejects.toThrow(/not found \(Debian package openssl\)/);
    await expect(openssl(['x509', '-in', join(dir, 'missing.crt')], 'read a certificate')).rejects.toThrow(TlsGenerationError);
    await expect(openssl(['x509', '-in', join(dir, 'missing.crt')], 'read a certificate')).rejects.toThrow(/Unable to load certificate/);
    await expect(openssl(['version'], 'answer')).resolves.toBeUndefined();
  });

  it('refuses a PEM file over MAX_PEM_FILE_BYTES', () => {
    const big = join(dir, 'big.pem');
    writeFileSync(big, `-----BEGIN CERTIFICATE-----\n${'A'.repeat(MAX_PEM_FILE_BYTES)}\n`);
    expect(() => readPem(big)).toThrow(TlsFileError);
    expect(() => readPem(big)).toThrow(/larger than 1048576 bytes/);
  });
});
