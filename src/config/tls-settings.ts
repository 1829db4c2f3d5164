/**
 * Environment → TLS settings of a boot worker (one provisioning network). TLS is off unless
 * METALFLOW_TLS=on or a certificate file is configured (as ironic-image turns TLS on when
 * certificates are mounted): on a PXE network Debian's iPXE cannot fetch over HTTPS and the stock
 * ramdisk holds no CA, so a default of on would stop every PXE network that works today.
 */
import type { BootTlsSettings } from '../boot/boot-services.js';
import type { TlsMaterialSettings } from '../tls/material.js';

/** Metal3's vmediaTLSPort (ironic-image scripts/runhttpd: VMEDIA_TLS_PORT=${VMEDIA_TLS_PORT:-8083}). */
export const DEFAULT_VMEDIA_TLS_PORT = 8083;

/** METALFLOW_TLS: on/off; unset → on exactly when METALFLOW_TLS_CERT_FILE is set. */
export function tlsEnabled(env: NodeJS.ProcessEnv): boolean {
  const v = (env.METALFLOW_TLS ?? '').trim().toLowerCase();
  if (v === '') return Boolean(env.METALFLOW_TLS_CERT_FILE);
  if (['on', 'true', '1'].includes(v)) return true;
  if (['off', 'false', '0'].includes(v)) return false;
  throw new Error(`METALFLOW_TLS=${env.METALFLOW_TLS}: expected on or off`);
}

/** The HTTPS listeners of the boot server: METALFLOW_VMEDIA_TLS_PORT (8083) and, if set, METALFLOW_HTTPS_PORT (e.g. 443). */
export function tlsListenerSettingsFromEnv(env: NodeJS.ProcessEnv): BootTlsSettings | undefined {
  if (!tlsEnabled(env)) return undefined;
  const httpsPort = env.METALFLOW_HTTPS_PORT ? port(env, 'METALFLOW_HTTPS_PORT') : undefined;
  return { vmediaPort: env.METALFLOW_VMEDIA_TLS_PORT ? port(env, 'METALFLOW_VMEDIA_TLS_PORT') : DEFAULT_VMEDIA_TLS_PORT, ...(httpsPort !== undefined ? { httpsPort } : {}) };
}

/**
 * Where the certificate comes from: METALFLOW_TLS_CERT_FILE + _KEY_FILE (+ _CA_FILE), else
 * generated into METALFLOW_TLS_DIR (default $METALFLOW_DATA_DIR/tls/<network>) for the boot
 * address, the agent API URL's host and METALFLOW_TLS_SANS.
 */
export function tlsMaterialSettingsFromEnv(env: NodeJS.ProcessEnv, dataDir: string, network: string): TlsMaterialSettings | undefined {
  const certFile = env.METALFLOW_TLS_CERT_FILE;
  const keyFile = env.METALFLOW_TLS_KEY_FILE;
  if (Boolean(certFile) !== Boolean(keyFile)) throw new Error(`${certFile ? 'METALFLOW_TLS_CERT_FILE' : 'METALFLOW_TLS_KEY_FILE'} is set without ${certFile ? 'METALFLOW_TLS_KEY_FILE' : 'METALFLOW_TLS_CERT_FILE'}`);
  // A CA of the operator's without their certificate would be dropped for the generated one: refuse it.
  if (env.METALFLOW_TLS_CA_FILE && !certFile) throw new Error('METALFLOW_TLS_CA_FILE is set without METALFLOW_TLS_CERT_FILE and METALFLOW_TLS_KEY_FILE');
  if (!tlsEnabled(env)) return undefined;
  const names = [env.METALFLOW_BOOT_IP || '127.0.0.1'];
  if (env.METALFLOW_AGENT_API_URL) names.push(new URL(env.METALFLOW_AGENT_API_URL).hostname.replace(/^\[|\]$/g, ''));
  names.push(...(env.METALFLOW_TLS_SANS ?? '').split(',').map((n) => n.trim()).filter(Boolean));
  return {
    ...(certFile && keyFile ? { files: { certFile, keyFile, ...(env.METALFLOW_TLS_CA_FILE ? { caFile: env.METALFLOW_TLS_CA_FILE } : {}) } } : {}),
    dir: env.METALFLOW_TLS_DIR || `${dataDir}/tls/${network}`,
    subjectAltNames: [...new Set(names)],
  };
}

function port(env: NodeJS.ProcessEnv, name: string): number {
  const p = Number(env[name]);
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`${name}=${env[name]}: expected a port number`);
  return p;
}

/** The boot worker's TLS material settings from this process's environment (its entry point). */
export function tlsMaterialSettingsFromProcessEnv(dataDir: string, network: string): TlsMaterialSettings | undefined {
  return tlsMaterialSettingsFromEnv(process.env, dataDir, network);
}
