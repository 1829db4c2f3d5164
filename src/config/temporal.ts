/**
 * Where the Temporal service is: the same variables as the `temporal` CLI, so the dev server, a
 * self-hosted cluster and Temporal Cloud differ by configuration only.
 *   TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (metalflow),
 *   TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY (mTLS client pair, file paths), TEMPORAL_TLS_CA,
 *   TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS=true (TLS without client certs), TEMPORAL_API_KEY (implies TLS).
 */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

export const DEFAULT_NAMESPACE = 'metalflow';

export interface TemporalConfig {
  address: string;
  namespace: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/** Address, namespace and whether TLS is on, without reading any certificate file (`metalflow version`). */
export function temporalTargetFromEnv(env: NodeJS.ProcessEnv = process.env): { address: string; namespace: string; tls: boolean } {
  const tls = env.TEMPORAL_TLS === 'true' || Boolean(env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CLIENT_CERT_PATH || env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_SERVER_CA_CERT_PATH || env.TEMPORAL_API_KEY);
  return { address: env.TEMPORAL_ADDRESS || 'localhost:7233', namespace: env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE, tls };
}

export function temporalConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const { address, namespace } = temporalTargetFromEnv(env);
  const apiKey = env.TEMPORAL_API_KEY || undefined;
  const certPath = env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = env.TEMPORAL_TLS_KEY || env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const caPath = env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const wantsTls = env.TEMPORAL_TLS === 'true' || Boolean(certPath || caPath || apiKey);
  let tls: TLSConfig | undefined;
  if (wantsTls) {
    tls = {};
    if (certPath && keyPath) tls.clientCertPair = { crt: readFileSync(certPath), key: readFileSync(keyPath) };
    if (caPath) tls.serverRootCACertificate = readFileSync(caPath);
    if (env.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
  }
  return { address, namespace, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
}

/** Connection options for both `Connection` (client) and `NativeConnection` (worker). */
export function connectionOptions(config: TemporalConfig): { address: string; tls?: TLSConfig; apiKey?: string } {
  return { address: config.address, ...(config.tls ? { tls: config.tls } : {}), ...(config.apiKey ? { apiKey: config.apiKey } : {}) };
}
