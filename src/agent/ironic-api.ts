/**
 * The Ironic API endpoints the Ironic Python Agent calls (ironic api/controllers/v1/ramdisk.py),
 * so a stock IPA ramdisk works unchanged: version discovery, lookup, heartbeat and
 * continue_inspection. Host state lives elsewhere (the host workflows); this module only checks
 * the protocol rules and hands heartbeats and inspection data to its backend.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import { clip } from '../net/peer-request.js';
import { AgentRequestRefusedError, SignalNotDeliveredError } from './agent-errors.js';
import { CallbackUrlError, agentSourceAddress, checkCallbackUrl, trustedProxyList } from './callback-url.js';
import { BadRequestTargetError, BodyTooLargeError, describeRequest, listenHttp, parseTarget, readBody, RequestAbortedError, sendJson as send, type HttpLog, type ListenHttpOptions } from './http-server.js';
import { AgentTokens, MASKED_TOKEN } from './tokens.js';

/** Highest API version we advertise: ≥ 1.62 gets tokens; < 1.68 keeps IPA's callback on plain http. */
export const ADVERTISED_API_VERSION = '1.67';
export const MIN_API_VERSION = '1.1';
/**
 * Largest continue_inspection body. The stock IPA's `default,logs` collectors send the inventory
 * plus base64 tar.gz logs (journal capped at 10,000 lines): well under 1 MiB on real machines.
 */
export const MAX_INSPECTION_BODY_BYTES = 4 * 1024 * 1024;

/** A heartbeat is a callback URL, a token and a version: a few hundred bytes. */
export const HEARTBEAT_BODY_MAX_BYTES = 64 * 1024;

export interface AgentHost {
  /** The node UUID the agent uses (status.provisioning.ID). Never a host name: names are public. */
  uuid: string;
  /** A state that expects an agent (inspecting, cleaning, deploying...): Ironic's restrict_lookup. */
  lookupAllowed: boolean;
  /**
   * The host's preprovisioning network data (nmstate YAML from preprovisioningNetworkDataName),
   * handed to its agent in the lookup config as `network_data` (a metalflow extension; stock IPA
   * ignores unknown config keys). Boot images built per host get the same data (the boot services).
   */
  networkData?: string;
}

export interface Heartbeat {
  callbackUrl: string;
  agentVersion?: string;
}

export interface AgentBackend {
  /** The one host these MACs belong to (undefined when none, or when they match several). */
  findByMacs(macs: string[]): Promise<AgentHost | undefined>;
  findByUuid(uuid: string): Promise<AgentHost | undefined>;
  /** Resolves once the heartbeat is delivered; throws SignalNotDeliveredError otherwise. */
  heartbeat(host: AgentHost, heartbeat: Heartbeat): Promise<void>;
  /** Resolves once delivered; throws AgentRequestRefusedError (not acceptable) or SignalNotDeliveredError. */
  inspectionData(host: AgentHost, data: Record<string, unknown>, macs: string[]): Promise<void>;
  /** The delivered inspection was answered (the answer is built): the backend may end the session. */
  inspectionAnswered?(host: AgentHost): Promise<void>;
}

export interface IronicApiOptions {
  backend: AgentBackend;
  tokens?: AgentTokens;
  /** Seconds; IPA heartbeats every 30-60 % of it (Ironic [api]ramdisk_heartbeat_timeout: 300). */
  heartbeatTimeoutSeconds?: number;
  /**
   * Reverse proxies (CIDRs) in front of this API: from them, the agent's address is the one they
   * append to X-Forwarded-For. Otherwise a heartbeat's callback_url must name its socket peer.
   */
  trustedProxies?: readonly string[];
}

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Not found and not allowed answer alike (Ironic restrict_lookup), naming nothing. */
const NOT_FOUND = 'Node not found or not in a state that allows this request';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class IronicAgentApi {
  readonly tokens: AgentTokens;
  /** Callback URL per node, as driver_internal_info.agent_url: a change means another agent. */
  private readonly agentUrls = new Map<string, string>();
  private readonly backend: AgentBackend;
  private readonly heartbeatTimeout: number;
  private log: HttpLog | undefined;
  private readonly trustedProxies: BlockList | undefined;

  constructor(opts: IronicApiOptions) {
    this.backend = opts.backend;
    this.tokens = opts.tokens ?? new AgentTokens();
    this.heartbeatTimeout = opts.heartbeatTimeoutSeconds ?? 300;
    this.trustedProxies = opts.trustedProxies?.length ? trustedProxyList(opts.trustedProxies) : undefined;
  }

  /** Forget the agent of this boot (token and callback URL): called on reboot and teardown. */
  endAgentSession(uuid: string): void {
    this.tokens.wipe(uuid);
    this.agentUrls.delete(uuid);
  }

  /** `host`: the provisioning address (src/config); loopback unless told. */
  listen(port: number, host = '127.0.0.1', opts: ListenHttpOptions = {}): Promise<Server> {
    this.log = opts.log;
    return listenHttp((req, res) => this.handle(req, res), port, host, { service: 'Ironic agent API', ...opts });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-OpenStack-Ironic-API-Minimum-Version', MIN_API_VERSION);
    res.setHeader('X-OpenStack-Ironic-API-Maximum-Version', ADVERTISED_API_VERSION);
    try {
      const target = parseTarget(req.url);
      const url = target.url;
      const path = target.rawPath.replace(/\/+$/, '') || '/';
      if (req.method === 'GET' && path === '/') return send(res, 200, rootDocument(hostUrl(req)));
      if (req.method === 'GET' && path === '/v1') return send(res, 200, v1Document(hostUrl(req)));
      if (req.method === 'GET' && path === '/v1/lookup') return send(res, 200, await this.lookup(url, hostUrl(req)));
      const hb = /^\/v1\/heartbeat\/([^/]+)$/.exec(path);
      if (req.method === 'POST' && hb) {
        await this.heartbeat(decodeURIComponent(hb[1] ?? ''), await readJson(req, HEARTBEAT_BODY_MAX_BYTES), agentSourceAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.trustedProxies));
        return send(res, 202, undefined);
      }
      if (req.method === 'POST' && path === '/v1/continue_inspection') {
        return send(res, 202, await this.continueInspection(await readJson(req, MAX_INSPECTION_BODY_BYTES), req.headers['x-openstack-ironic-api-version'], hostUrl(req)));
      }
      const allow = allowedMethods(path);
      if (allow) {
        res.setHeader('Allow', allow);
        throw new HttpError(405, `The method ${req.method ?? '?'} is not allowed for ${path}`);
      }
      throw new HttpError(404, `The resource could not be found: ${req.method} ${path}`);
    } catch (err) {
      const status = err instanceof HttpError || err instanceof BadRequestTargetError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (status >= 500) this.log?.('warn', `agent API: ${describeRequest(req)}: ${message}`);
      // The rest of a refused request (an unread body) is not worth reading: do not reuse the connection.
      if (!req.complete) res.setHeader('Connection', 'close');
      // Ironic's error body shape: error_message holds a JSON string with faultstring.
      send(res, status, { error_message: JSON.stringify({ faultcode: status < 500 ? 'Client' : 'Server', faultstring: message, debuginfo: null }) });
    }
  }

  private async lookup(url: URL, base: string): Promise<unknown> {
    const macs = (url.searchParams.get('addresses') ?? '')
      .split(',')
      .map((m) => m.trim().toLowerCase())
      .filter((m) => MAC_RE.test(m));
    const uuid = url.searchParams.get('node_uuid') ?? undefined;
    if (macs.length === 0 && !uuid) throw new HttpError(400, 'Incomplete lookup request: at least one valid MAC address or a node UUID is required');
    // By UUID or MACs only, never by name (names are printed and guessable). With both, both must agree.
    if (uuid !== undefined && !UUID_RE.test(uuid)) throw new HttpError(400, 'Expected a UUID for node_uuid');
    const byMacs = macs.length ? await this.backend.findByMacs(macs) : undefined;
    const host = uuid ? await this.backend.findByUuid(uuid.toLowerCase()) : byMacs;
    if (!host || !host.lookupAllowed || (uuid && macs.length && byMacs?.uuid !== host.uuid)) throw new HttpError(404, NOT_FOUND);
    return this.lookupBody(host, base);
  }

  private lookupBody(host: AgentHost, base: string): unknown {
    const token = this.tokens.reveal(host.uuid);
    // The network data goes with the token only: a repeated lookup (anyone who knows the MACs) gets neither.
    const withToken = token !== MASKED_TOKEN;
    return {
      node: {
        uuid: host.uuid,
        properties: {},
        instance_info: {},
        driver_internal_info: {},
        links: [{ href: `${base}/v1/nodes/${host.uuid}`, rel: 'self' }],
      },
      config: {
        heartbeat_timeout: this.heartbeatTimeout,
        agent_token: token,
        agent_token_required: true,
        agent_md5_checksum_enable: false,
        ...(withToken && host.networkData !== undefined ? { network_data: host.networkData } : {}),
      },
    };
  }

  private async heartbeat(nodeId: string, body: Record<string, unknown>, source: string | undefined): Promise<void> {
    const host = UUID_RE.test(nodeId) ? await this.backend.findByUuid(nodeId.toLowerCase()) : undefined;
    if (!host) throw new HttpError(404, NOT_FOUND);
    let callbackUrl: string;
    try {
      callbackUrl = checkCallbackUrl(body.callback_url, source);
    } catch (err) {
      if (err instanceof CallbackUrlError) throw new HttpError(400, err.message);
      throw err;
    }
    if (body.agent_token === undefined) throw new HttpError(400, 'Agent token is required for heartbeat processing.');
    if (!this.tokens.verify(host.uuid, body.agent_token)) throw new HttpError(400, 'Invalid or missing agent token received.');
    const known = this.agentUrls.get(host.uuid);
    if (known !== undefined && known !== callbackUrl) throw new HttpError(400, 'Detected change in ramdisk provided callback_url');
    this.agentUrls.set(host.uuid, callbackUrl);
    await backendCall(() => this.backend.heartbeat(host, { callbackUrl, ...(typeof body.agent_version === 'string' ? { agentVersion: clip(body.agent_version, 64) } : {}) }));
  }

  private async continueInspection(body: Record<string, unknown>, versionHeader: string | string[] | undefined, base: string): Promise<unknown> {
    const inventory = body.inventory as { interfaces?: Array<{ mac_address?: unknown }> } | undefined;
    const interfaces = inventory?.interfaces;
    if (!Array.isArray(interfaces) || interfaces.length === 0) throw new HttpError(400, 'Invalid inspection data: inventory.interfaces must list at least one interface');
    const macs = interfaces.map((i) => (typeof i?.mac_address === 'string' ? i.mac_address.toLowerCase() : '')).filter((m) => MAC_RE.test(m));
    if (macs.length !== interfaces.length) throw new HttpError(400, 'Invalid inspection data: every interface needs a mac_address');
    const host = await this.backend.findByMacs(macs);
    if (!host || !host.lookupAllowed) throw new HttpError(404, NOT_FOUND);
    await backendCall(() => this.backend.inspectionData(host, body, macs));
    const version = typeof versionHeader === 'string' ? versionHeader : undefined;
    // Without a version header: the ironic-inspector answer.
    const answer = version && compareVersion(version, '1.84') >= 0 ? this.lookupBody(host, base) : { uuid: host.uuid };
    await this.backend.inspectionAnswered?.(host);
    return answer;
  }
}

/** The backend's refusals and undelivered signals as HTTP answers (503: IPA retries). */
async function backendCall(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AgentRequestRefusedError) throw new HttpError(err.status, err.message);
    if (err instanceof SignalNotDeliveredError) throw new HttpError(503, err.message);
    throw err;
  }
}

function compareVersion(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

function hostUrl(req: IncomingMessage): string {
  return `http://${req.headers.host ?? 'localhost'}`;
}

function rootDocument(base: string): unknown {
  const v1 = { id: 'v1', status: 'CURRENT', version: ADVERTISED_API_VERSION, min_version: MIN_API_VERSION, links: [{ href: `${base}/v1/`, rel: 'self' }] };
  return { name: 'OpenStack Ironic API', description: 'Ironic-compatible agent endpoints served by metalflow.', versions: [v1], default_version: v1 };
}

function v1Document(base: string): unknown {
  return {
    id: 'v1',
    media_types: [{ base: 'application/json', type: 'application/vnd.openstack.ironic.v1+json' }],
    links: [{ href: `${base}/v1/`, rel: 'self' }],
    lookup: [{ href: `${base}/v1/lookup/`, rel: 'self' }],
    heartbeat: [{ href: `${base}/v1/heartbeat/`, rel: 'self' }],
    continue_inspection: [{ href: `${base}/v1/continue_inspection/`, rel: 'self' }],
  };
}

/** The methods a known path takes, for 405 (undefined: not a path of this API). */
function allowedMethods(path: string): string | undefined {
  if (path === '/' || path === '/v1' || path === '/v1/lookup') return 'GET';
  if (path === '/v1/continue_inspection' || /^\/v1\/heartbeat\/[^/]+$/.test(path)) return 'POST';
  return undefined;
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readBody(req, maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, err.message);
    if (err instanceof RequestAbortedError) throw new HttpError(400, err.message); // nobody left to answer
    throw err;
  }
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'Request body is not a JSON object');
  }
}
