/**
 * The agent ISO of one agent session: kernel parameters as the iPXE path gives them (inspection
 * callback on inspection boots only), the host's network data and the agent API's CA in the
 * overlay, built or reused through the cache, published at a per-boot URL until the session ends.
 */
import { agentKernelParams } from '../agent-params.js';
import { agentGrubCfg } from './agent-iso.js';
import type { AgentIsoCache } from './iso-cache.js';
import { mediaPath, type MediaPublications } from './media-publications.js';
import { agentOverlay } from './overlay.js';

/** Where the BMC fetches the ISO (the contract's BootMedia; boot/ sits below contract/). */
export interface PublishedMedia {
  url: string;
}

export interface AgentMediaSettings {
  /** Agent kernel and initramfs files (the boot worker's agent dir). */
  kernel: string;
  initramfs: string;
  /** The Ironic agent API as the agents reach it. */
  apiUrl: string;
  extraKernelParams?: string;
  insecure?: boolean;
  /** CA (PEM) the agent trusts for the agent API. */
  caPem?: string;
  /** Base URL the BMC fetches the ISO from (mediaBaseUrl). */
  baseUrl: string;
}

export interface AgentMediaRequest {
  uuid: string;
  session: string;
  bootMac: string;
  inspect?: boolean;
  /** nmstate, already unsealed. */
  networkData?: string;
}

export class AgentMedia {
  constructor(
    private readonly settings: AgentMediaSettings,
    private readonly cache: AgentIsoCache,
    readonly publications: MediaPublications,
  ) {}

  async prepare(r: AgentMediaRequest): Promise<PublishedMedia> {
    const s = this.settings;
    const params = agentKernelParams({
      apiUrl: s.apiUrl,
      ...(r.inspect ? { inspect: true } : {}),
      bootif: r.bootMac,
      ...(s.insecure ? { insecure: true } : {}),
      ...(s.extraKernelParams ? { extraKernelParams: s.extraKernelParams } : {}),
    });
    const overlay = agentOverlay({ ...(r.networkData !== undefined ? { networkData: r.networkData } : {}), ...(s.caPem !== undefined ? { caPem: s.caPem } : {}) });
    const lease = await this.cache.acquire({ kernel: s.kernel, initramfs: s.initramfs, overlay, grubCfg: agentGrubCfg(params) });
    const token = this.publications.publish({ uuid: r.uuid, session: r.session }, lease.path, () => lease.release());
    return { url: `${s.baseUrl}${mediaPath(token)}` };
  }

  /** The session ended: its URL answers 404 and the ISO goes once no other session uses it. */
  async end(uuid: string, session: string): Promise<void> {
    await this.publications.revoke(uuid, session);
  }
}
