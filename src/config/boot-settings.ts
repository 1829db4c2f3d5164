/**
 * Environment → settings of the boot services (DHCP, TFTP, HTTP) of one provisioning network.
 * DHCP is off unless METALFLOW_DHCP_MODE says `full` or `proxy`: a DHCP server that answers on
 * the wrong network is the classic Metal3 outage, so it is never on by accident.
 */
import { isIP } from 'node:net';
import { parseDurationMs } from '../api/durations.js';
import type { BootServicesSettings, StaticServer } from '../boot/boot-services.js';
import { tlsListenerSettingsFromEnv } from './tls-settings.js';

export type { BootServicesSettings };

export function bootSettingsFromEnv(env: NodeJS.ProcessEnv, dataDir: string, apiPort: number): BootServicesSettings {
  const bootIp = env.METALFLOW_BOOT_IP || '127.0.0.1';
  const mode = env.METALFLOW_DHCP_MODE || 'off';
  if (!['off', 'full', 'proxy'].includes(mode)) throw new Error(`METALFLOW_DHCP_MODE=${mode}: expected off, full or proxy`);
  const range = env.METALFLOW_DHCP_RANGE ? (env.METALFLOW_DHCP_RANGE.split(',').map((s) => s.trim()) as [string, string]) : undefined;
  if (mode === 'full' && (!range || range.length !== 2)) throw new Error('METALFLOW_DHCP_MODE=full needs METALFLOW_DHCP_RANGE=<first>,<last>');
  const httpPort = Number(env.METALFLOW_HTTP_PORT || 80);
  const on = (v: string | undefined, dflt: boolean): boolean => (v === undefined || v === '' ? dflt : v === '1' || v === 'true');
  const tls = tlsListenerSettingsFromEnv(env);
  // With TLS the boot server also serves media on its HTTPS ports; its plain listener stays a choice.
  const plainHttp = on(env.METALFLOW_HTTP, mode !== 'off');
  const staticServer = staticServerFromEnv(env);
  return {
    bootIp,
    ...(mode !== 'off'
      ? {
          dhcp: {
            mode: mode as 'full' | 'proxy',
            host: env.METALFLOW_DHCP_HOST || '0.0.0.0',
            port: Number(env.METALFLOW_DHCP_PORT || 67),
            proxyPort: Number(env.METALFLOW_DHCP_PROXY_PORT || 4011),
            ...(range ? { range } : {}),
            subnetMask: env.METALFLOW_DHCP_NETMASK || '255.255.255.0',
            ...(env.METALFLOW_DHCP_ROUTER ? { router: env.METALFLOW_DHCP_ROUTER } : {}),
            dns: (env.METALFLOW_DHCP_DNS || '').split(',').map((s) => s.trim()).filter(Boolean),
            leaseSeconds: Math.round(parseDurationMs(env.METALFLOW_DHCP_LEASE || '1h') / 1000),
            allowUnknown: on(env.METALFLOW_DHCP_ALLOW_UNKNOWN, false),
            replyDelayMs: parseDurationMs(env.METALFLOW_DHCP_REPLY_DELAY || '0s'),
          },
        }
      : {}),
    ...(on(env.METALFLOW_TFTP, mode !== 'off') ? { tftp: { host: bindAddress(env, 'METALFLOW_TFTP_HOST'), port: Number(env.METALFLOW_TFTP_PORT || 69), root: env.METALFLOW_TFTP_ROOT || '/usr/lib/ipxe' } } : {}),
    ...(plainHttp || tls
      ? {
          http: {
            plain: plainHttp,
            host: bindAddress(env, 'METALFLOW_HTTP_HOST'),
            port: httpPort,
            agentDir: env.METALFLOW_AGENT_IMAGE_DIR || `${dataDir}/agent`,
            imagesDir: env.METALFLOW_IMAGES_DIR || `${dataDir}/images`,
            firmwareDir: env.METALFLOW_FIRMWARE_DIR || env.METALFLOW_TFTP_ROOT || '/usr/lib/ipxe',
            staticServer,
            ...(staticServer === 'nginx' ? { nginxBinary: env.METALFLOW_NGINX || 'nginx' } : {}),
          },
        }
      : {}),
    agent: {
      kernel: env.METALFLOW_AGENT_KERNEL || 'ironic-python-agent.kernel',
      initramfs: env.METALFLOW_AGENT_INITRAMFS || 'ironic-python-agent.initramfs',
      extraKernelParams: env.METALFLOW_AGENT_KERNEL_PARAMS || '',
      insecure: on(env.METALFLOW_AGENT_INSECURE, false),
    },
    ...(tls ? { tls } : {}),
    apiUrl: env.METALFLOW_AGENT_API_URL || `${tls ? 'https' : 'http'}://${bootIp}:${apiPort}`,
  };
}

/**
 * Who streams the boot server's files (METALFLOW_BOOT_STATIC_SERVER): `node` by default, because it
 * needs nothing beyond metalflow itself (nginx is a Debian package a host may not have) and is what
 * every boot test runs; `nginx` puts a supervised nginx in front (src/boot/http/nginx-front.ts) for
 * image throughput at line rate.
 */
function staticServerFromEnv(env: NodeJS.ProcessEnv): StaticServer {
  const v = env.METALFLOW_BOOT_STATIC_SERVER || 'node';
  if (v !== 'node' && v !== 'nginx') throw new Error(`METALFLOW_BOOT_STATIC_SERVER=${v}: expected node or nginx`);
  return v;
}

/**
 * Where a listener binds: its own setting, else the provisioning address it serves
 * (METALFLOW_BOOT_IP), else loopback. The wildcard (0.0.0.0) only when a setting says so.
 */
export function bindAddress(env: NodeJS.ProcessEnv, name: string): string {
  const own = env[name];
  const [setting, value] = own ? [name, own] : ['METALFLOW_BOOT_IP', env.METALFLOW_BOOT_IP || '127.0.0.1'];
  if (!isIP(value)) throw new Error(`${setting}=${value}: expected an IP address to bind (0.0.0.0 for every interface)`);
  return value;
}

/** The boot services' settings from this process's environment (the boot worker's entry point). */
export function bootServicesSettingsFromProcessEnv(dataDir: string, apiPort: number): BootServicesSettings {
  return bootSettingsFromEnv(process.env, dataDir, apiPort);
}
