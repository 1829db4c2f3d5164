/**
 * A boot worker's TLS material: the server certificate chain and key its HTTPS listeners present,
 * and the CA its agents must trust (baked into the agent ISO; the PXE equivalent is in the README).
 * From files named in the settings (as Ironic's IRONIC_CERT_FILE / _KEY_FILE / _CACERT_FILE), or
 * else generated once into the worker's TLS directory.
 */
import { X509Certificate } from 'node:crypto';
import { readTlsFiles, type TlsFiles } from './file-material.js';
import { ensureGeneratedMaterial } from './generated-material.js';
import { certificateCovers } from './subject-alt-names.js';

export type { TlsFiles };

export interface TlsMaterial {
  /** PEM: the server certificate, then any intermediates. */
  certPem: string;
  /** PEM: its private key. */
  keyPem: string;
  /** PEM: the CA(s) agents are given to verify the server with. */
  caPem: string;
  source: 'files' | 'generated';
  /** Whether the certificate covers every serving name (always true for generated material). */
  covers: boolean;
}

export interface TlsMaterialSettings {
  /** Operator-provided certificate, key and CA; when set, nothing is generated. */
  files?: TlsFiles;
  /** Where generated material lives (0700). */
  dir: string;
  /** The addresses and DNS names the server is reached by (the boot IP first). */
  subjectAltNames: string[];
}

export async function loadTlsMaterial(s: TlsMaterialSettings): Promise<TlsMaterial> {
  if (s.files) {
    const m = readTlsFiles(s.files);
    return { ...m, source: 'files', covers: certificateCovers(new X509Certificate(m.certPem), s.subjectAltNames) };
  }
  const g = await ensureGeneratedMaterial(s.dir, s.subjectAltNames);
  return { certPem: g.certPem, keyPem: g.keyPem, caPem: g.caPem, source: 'generated', covers: true };
}
