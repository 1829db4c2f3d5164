/**
 * Starts the network boot services of one provisioning network from their settings: DHCP (full
 * or proxy), TFTP (iPXE firmware) and HTTP (iPXE scripts, agent, images), all reading the same
 * boot configuration.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { listenHttp, type HttpTlsOptions } from '../agent/http-server.js';
import { DEFAULT_PROVISIONING_NETWORK, isValidProvisioningNetwork } from '../api/provisioning-network.js';
import type { BootConfigStore } from './boot-config.js';
import { LeaseStore } from './dhcp/leases.js';
import { DhcpResponder } from './dhcp/responder.js';
import { DhcpServer } from './dhcp/server.js';
import { httpBootHandler } from './http/http-boot.js';
import { startNginxBootServer } from './http/nginx-boot-server.js';
import { NGINX_CLIENT_HEADER, NGINX_FILE_LOCATION } from './http/nginx-config.js';
import type { NginxFront } from './http/nginx-front.js';
import { AgentMedia } from './media/agent-media.js';
import { AgentIsoCache } from './media/iso-cache.js';
import { MediaPublications } from './media/media-publications.js';
import { TftpServer } from './tftp/server.js';

/** What the boot services of one provisioning network serve, and where (src/config reads it from the environment). */
export interface BootServicesSettings {
  /** Our address on the provisioning network (DHCP server id, TFTP next-server, URLs). */
  bootIp: string;
  dhcp?: {
    mode: 'full' | 'proxy';
    /** Bind address: 0.0.0.0 (broadcasts only reach a wildcard socket); keep the worker on the provisioning interface only. */
    host: string;
    port: number;
    proxyPort: number;
    range?: [string, string];
    subnetMask: string;
    router?: string;
    dns: string[];
    leaseSeconds: number;
    allowUnknown: boolean;
    replyDelayMs: number;
  };
  tftp?: { host: string; port: number; root: string };
  /** The HTTP boot server; `plain: false` serves it on the TLS ports only. */
  http?: { host: string; port: number; agentDir: string; imagesDir: string; firmwareDir: string; plain?: boolean; staticServer?: StaticServer; nginxBinary?: string };
  /** HTTPS listeners of the boot server (same content, same bind address as `http`), when TLS is on. */
  tls?: BootTlsSettings;
  agent: { kernel: string; initramfs: string; extraKernelParams: string; insecure: boolean };
  /** The Ironic agent API as the agents reach it. */
  apiUrl: string;
}

/** Who streams the boot server's files: its own Node listeners, or a supervised nginx in front of them. */
export type StaticServer = 'node' | 'nginx';

/** nginx's private directory (configuration, certificate copy, the Node handler's socket) for one provisioning network. */
export const nginxDirFor = (dataDir: string, network: string): string => join(dataDir, `boot-nginx-${network}`);

export interface BootTlsSettings {
  /** Metal3's vmediaTLSPort: BMCs fetch virtual media (agent ISOs) here (8083). */
  vmediaPort: number;
  /** A second HTTPS port with the same content, e.g. 443 (Metal3's firewall table); none by default. */
  httpsPort?: number;
}

/** The HTTP boot server's base URL as clients reach it. */
export const httpBaseUrl = (s: BootServicesSettings): string => `http://${s.bootIp}${s.http && s.http.port !== 80 ? `:${s.http.port}` : ''}`;

/**
 * Base URL of boot media (agent ISOs, images) as BMCs and agents reach it: HTTPS on the vmedia TLS
 * port when TLS is on, else the plain HTTP boot server.
 */
export const mediaBaseUrl = (s: BootServicesSettings): string => (s.tls ? `https://${s.bootIp}${s.tls.vmediaPort !== 443 ? `:${s.tls.vmediaPort}` : ''}` : httpBaseUrl(s));

/** The agent ISO cache of one provisioning network (emptied when its boot worker starts). */
export const agentMediaDirFor = (dataDir: string, network: string): string => join(dataDir, `agent-media-${network}`);

export type BootLog = (level: 'debug' | 'info' | 'warn', message: string) => void;

export interface RunningBootServices {
  dhcp?: DhcpServer;
  tftp?: TftpServer;
  http?: Server;
  /** Agent ISOs (virtual media), served by the HTTP boot server. */
  media?: AgentMedia;
  /** The HTTPS listeners: the vmedia TLS port, then the optional second HTTPS port. */
  https?: Server[];
  /** The supervised nginx, when it fronts the HTTP boot server (then `http` and `https` are unset). */
  nginx?: NginxFront;
  closeNginx?: () => Promise<void>;
  close(): Promise<void>;
}

/** The lease file of one provisioning network: networks sharing a data directory never share leases. */
export function leaseFileFor(dataDir: string, network: string): string {
  if (!isValidProvisioningNetwork(network)) throw new Error(`provisioning network "${network}" is not a DNS label`);
  return join(dataDir, `dhcp-leases-${network}.json`);
}

/** `tls`: the certificate of the HTTPS listeners (src/tls), required when `s.tls` is set. */
export async function startBootServices(s: BootServicesSettings, store: BootConfigStore, dataDir: string, log: BootLog, network = DEFAULT_PROVISIONING_NETWORK, tls?: HttpTlsOptions & { caPem?: string }): Promise<RunningBootServices> {
  const running: RunningBootServices = { close: async () => undefined };
  const leaseFile = leaseFileFor(dataDir, network); // a bad network name fails before anything is bound
  if (s.tls && !tls) throw new Error('boot services: TLS listeners are configured but no certificate was given');
  const base = httpBaseUrl(s);
  try {
    if (s.http) {
      const h = s.http;
      const publications = new MediaPublications({ log });
      const cache = new AgentIsoCache(agentMediaDirFor(dataDir, network));
      await cache.init();
      running.media = new AgentMedia(
        { kernel: join(h.agentDir, s.agent.kernel), initramfs: join(h.agentDir, s.agent.initramfs), apiUrl: s.apiUrl, extraKernelParams: s.agent.extraKernelParams, insecure: s.agent.insecure, baseUrl: mediaBaseUrl(s), ...(tls?.caPem !== undefined ? { caPem: tls.caPem } : {}) },
        cache,
        publications,
      );
      const front = h.staticServer === 'nginx';
      const agent = { agentBaseUrl: `${base}/agent`, kernel: s.agent.kernel, initramfs: s.agent.initramfs, apiUrl: s.apiUrl, extraKernelParams: s.agent.extraKernelParams, insecure: s.agent.insecure };
      const handler = httpBootHandler({
        ...(front ? { front: { fileLocation: NGINX_FILE_LOCATION, clientHeader: NGINX_CLIENT_HEADER } } : {}),
        store,
        log,
        baseUrl: base,
        agent,
        dirs: { agent: h.agentDir, images: h.imagesDir, firmware: h.firmwareDir },
        media: publications,
      });
      const tlsPorts = s.tls ? [s.tls.vmediaPort, ...(s.tls.httpsPort !== undefined ? [s.tls.httpsPort] : [])] : [];
      if (front) {
        const nginx = await startNginxBootServer({
          binary: h.nginxBinary ?? 'nginx',
          dir: nginxDirFor(dataDir, network),
          handler,
          scripts: { store, agent },
          plain: h.plain !== false ? [{ host: h.host, port: h.port }] : [],
          ...(s.tls && tls ? { tls: { listeners: tlsPorts.map((port) => ({ host: h.host, port })), cert: tls } } : {}),
          log,
        });
        running.nginx = nginx.front;
        running.closeNginx = () => nginx.close();
      }
      if (!front && h.plain !== false) running.http = await listenHttp(handler, h.port, h.host, { log, service: 'HTTP boot server' });
      if (!front && s.tls && tls) {
        running.https = [];
        const ports: Array<[number, string]> = [[s.tls.vmediaPort, 'HTTPS boot server (vmedia TLS port)']];
        if (s.tls.httpsPort !== undefined) ports.push([s.tls.httpsPort, 'HTTPS boot server']);
        for (const [port, service] of ports) running.https.push(await listenHttp(handler, port, h.host, { log, service, tls }));
      }
    }
    if (s.tftp) {
      running.tftp = new TftpServer({ root: s.tftp.root, port: s.tftp.port, bindAddress: s.tftp.host, log });
      await running.tftp.start();
    }
    if (s.dhcp) {
      const d = s.dhcp;
      const leases = d.range ? new LeaseStore({ range: d.range, file: leaseFile, log }) : undefined;
      const responder = new DhcpResponder(
        {
          mode: d.mode,
          serverIp: s.bootIp,
          subnetMask: d.subnetMask,
          ...(d.router ? { router: d.router } : {}),
          dns: d.dns,
          ...(d.range ? { range: d.range } : {}),
          leaseSeconds: d.leaseSeconds,
          allowUnknown: d.allowUnknown,
          ipxeScriptUrl: (mac) => `${base}/ipxe/${mac}/boot.ipxe`,
          httpBase: `${base}/firmware`,
        },
        store,
        leases,
      );
      running.dhcp = new DhcpServer(responder, { port: d.port, bindAddress: d.host, ...(d.mode === 'proxy' ? { proxyPort: d.proxyPort } : {}), replyDelayMs: d.replyDelayMs, log });
      await running.dhcp.start();
    }
  } catch (err) {
    await close(running);
    throw err;
  }
  running.close = () => close(running);
  return running;
}

async function close(r: RunningBootServices): Promise<void> {
  r.media?.publications.close();
  await r.dhcp?.close();
  await r.tftp?.close();
  await r.closeNginx?.();
  await new Promise((res) => (r.http ? r.http.close(res) : res(undefined)));
  await Promise.all((r.https ?? []).map((server) => new Promise((res) => server.close(res))));
}
