/**
 * A Redfish HTTP session to one BMC on undici: one connection pool per BMC (kept across
 * activities), requests to one BMC serialised (many BMCs misbehave under concurrent calls), bounded
 * Ironic-like retries on 5xx and connection errors, and typed errors an operator can act on.
 * The BMC is not trusted: every link it gives is resolved against the configured origin and
 * refused unless on that origin (the credentials go with every request), redirects are followed
 * only within it, and answers are capped in size and time.
 */
import type { Dispatcher } from 'undici';
import { Agent } from 'undici';
import { BmcAuthenticationError, BmcCertificateError, BmcForeignUrlError, BmcResponseLimitError, BmcUnreachableError, RedfishRequestError } from '../../errors.js';
import { clip, PeerBodyTooLarge, PeerDeadlineExceeded, peerRequest, type PeerResponse } from '../../net/peer-request.js';

/** Largest Redfish answer read (real resources are a few KiB; collections of thousands, < 1 MiB). */
export const REDFISH_MAX_BODY_BYTES = 4 * 2 ** 20;
/** Same-origin redirects followed for one GET (a trailing-slash redirect needs one). */
export const REDFISH_MAX_REDIRECTS = 3;

export interface RedfishEndpoint {
  /** e.g. https://10.0.0.1:443 */
  origin: string;
  username: string;
  password: string;
  verifyCertificate: boolean;
}

export interface RedfishClientOptions {
  /** Attempts for one request on 5xx or connection errors (Ironic's sushy retries similarly). */
  attempts?: number;
  retryDelayMs?: number;
  requestTimeoutMs?: number;
}

export type Json = Record<string, unknown>;

interface Answer {
  json: Json;
  location?: string;
}

const CERT_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

const agents = new Map<string, Agent>();
const queues = new Map<string, Promise<unknown>>();

function agentFor(endpoint: RedfishEndpoint): Agent {
  const key = `${endpoint.origin}|${endpoint.verifyCertificate}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ connect: { rejectUnauthorized: endpoint.verifyCertificate }, keepAliveTimeout: 30_000, connections: 2 });
    agents.set(key, agent);
  }
  return agent;
}

/** Runs `fn` after every earlier call to the same BMC has settled. */
function serialised<T>(origin: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(origin) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  queues.set(origin, next.catch(() => undefined));
  return next;
}

export class RedfishClient {
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;

  constructor(
    readonly endpoint: RedfishEndpoint,
    opts: RedfishClientOptions = {},
  ) {
    this.attempts = opts.attempts ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
  }

  get(path: string): Promise<Json> {
    return this.call('GET', path);
  }

  /**
   * GET that returns undefined for resources the BMC does not have (404, 501) or, with
   * `tolerateServerErrors`, cannot produce (emulators and real BMCs both 500 on optional parts).
   */
  async getOptional(path: string, opts: { tolerateServerErrors?: boolean } = {}): Promise<Json | undefined> {
    try {
      return await this.get(path);
    } catch (err) {
      const status = (err as { context?: { status?: unknown } }).context?.status;
      if (err instanceof RedfishRequestError && (status === 404 || status === 501)) return undefined;
      if (opts.tolerateServerErrors && typeof status === 'number' && status >= 500) return undefined;
      throw err;
    }
  }

  patch(path: string, body: Json): Promise<Json> {
    return this.call('PATCH', path, body);
  }

  post(path: string, body: Json): Promise<Json> {
    return this.call('POST', path, body);
  }

  /** POST of an action that may start a task: the answer and its `Location` (the task monitor), if any. */
  async postAction(path: string, body: Json): Promise<{ body: Json; location?: string }> {
    const r = await serialised(this.endpoint.origin, () => this.withRetries('POST', path, body));
    return { body: r.json, ...(r.location !== undefined ? { location: r.location } : {}) };
  }

  private async call(method: Dispatcher.HttpMethod, path: string, body?: Json): Promise<Json> {
    return (await serialised(this.endpoint.origin, () => this.withRetries(method, path, body))).json;
  }

  /**
   * `link` (a path or URL the BMC gave, or one we built from it) as a URL on this BMC. Only an
   * absolute path or an absolute URL on the BMC's own origin, without user info, is accepted:
   * anything else would send the credentials elsewhere (`@host/…` concatenated onto the origin,
   * `//host/…`, `http://other/…`).
   */
  resolve(link: string): URL {
    const origin = new URL(this.endpoint.origin);
    let url: URL | undefined;
    try {
      url = link.startsWith('/') || URL.canParse(link) ? new URL(link, origin) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || url.origin !== origin.origin || url.username !== '' || url.password !== '') {
      const shown = clip(link.replace(/^([a-z][a-z0-9+.-]*:)?(\/\/|\\\\)[^/?#\\]*@/i, '$1$2***@'));
      throw new BmcForeignUrlError(`BMC ${this.endpoint.origin} gave a URL outside its origin, refused: ${shown}`, { origin: this.endpoint.origin, url: shown });
    }
    url.hash = '';
    return url;
  }

  private async withRetries(method: Dispatcher.HttpMethod, link: string, body?: Json): Promise<Answer> {
    const url = this.resolve(link);
    let last: Error | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        return await this.following(method, url, body);
      } catch (err) {
        if (!(err instanceof BmcUnreachableError)) throw err; // only transient failures are retried here
        last = err;
        if (attempt < this.attempts) await new Promise((r) => setTimeout(r, this.retryDelayMs * attempt));
      }
    }
    throw last ?? new BmcUnreachableError(`${method} ${url.pathname} failed`);
  }

  /** One request, following redirects within the BMC origin for GET (only). */
  private async following(method: Dispatcher.HttpMethod, first: URL, body?: Json): Promise<Answer> {
    let url = first;
    for (let redirects = 0; ; redirects++) {
      const res = await this.once(method, url, body);
      if (res.status < 300 || res.status >= 400) {
        const location = [res.headers.location].flat()[0];
        return { json: this.answer(method, url, res), ...(typeof location === 'string' ? { location } : {}) };
      }
      const location = [res.headers.location].flat()[0];
      if (location === undefined) throw new RedfishRequestError(`${method} ${clip(url.pathname)}: HTTP ${res.status} without a Location`, { status: res.status });
      // A relative Location is relative to the request URL (RFC 9110); the result must stay on the BMC.
      const next = this.resolve(URL.canParse(location, url.href) ? new URL(location, url).href : location);
      if (method !== 'GET') throw new RedfishRequestError(`${method} ${clip(url.pathname)}: the BMC redirected to ${clip(next.pathname)}; not followed for ${method}`, { status: res.status });
      if (redirects >= REDFISH_MAX_REDIRECTS) {
        throw new BmcResponseLimitError(`BMC ${this.endpoint.origin}: GET ${clip(first.pathname)} redirected more than ${REDFISH_MAX_REDIRECTS} times; refused`, { origin: this.endpoint.origin, limit: REDFISH_MAX_REDIRECTS });
      }
      url = next;
    }
  }

  private async once(method: Dispatcher.HttpMethod, url: URL, body?: Json): Promise<PeerResponse> {
    const auth = Buffer.from(`${this.endpoint.username}:${this.endpoint.password}`).toString('base64');
    try {
      return await peerRequest(url, {
        method,
        dispatcher: agentFor(this.endpoint),
        headers: { authorization: `Basic ${auth}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), 'odata-version': '4.0' },
        ...(body ? { body: JSON.stringify(body) } : {}),
        timeoutMs: this.timeoutMs,
        maxBodyBytes: REDFISH_MAX_BODY_BYTES,
      });
    } catch (err) {
      const where = `${method} ${this.endpoint.origin}${clip(url.pathname)}`;
      if (err instanceof PeerBodyTooLarge) {
        throw new BmcResponseLimitError(`BMC ${this.endpoint.origin}: the answer to ${method} ${clip(url.pathname)} is over ${REDFISH_MAX_BODY_BYTES} bytes; refused`, { origin: this.endpoint.origin, limit: REDFISH_MAX_BODY_BYTES });
      }
      if (err instanceof PeerDeadlineExceeded) throw new BmcUnreachableError(`${where}: ${err.message}`, { origin: this.endpoint.origin, code: 'DEADLINE' });
      const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code ?? '';
      if (CERT_CODES.has(code)) {
        throw new BmcCertificateError(`TLS certificate of ${this.endpoint.origin} not trusted (${code}); fix the certificate or set spec.bmc.disableCertificateVerification`, { origin: this.endpoint.origin, code });
      }
      throw new BmcUnreachableError(`${where}: ${(err as Error).message}${code ? ` (${code})` : ''}`, { origin: this.endpoint.origin, code });
    }
  }

  private answer(method: Dispatcher.HttpMethod, url: URL, res: PeerResponse): Json {
    const { status, text } = res;
    const where = `${method} ${this.endpoint.origin}${clip(url.pathname)}`;
    if (status === 401 || status === 403) {
      throw new BmcAuthenticationError(`BMC ${this.endpoint.origin} refused the credentials (HTTP ${status}): bad credentials`, { origin: this.endpoint.origin, status });
    }
    if (status >= 500 && status !== 501) throw new BmcUnreachableError(`${where}: HTTP ${status} ${summarise(text)}`, { status });
    if (status >= 400) throw new RedfishRequestError(`${where}: HTTP ${status} ${summarise(text)}`, { status, path: clip(url.pathname) });
    if (text.trim() === '') return {};
    try {
      const json: unknown = JSON.parse(text);
      return json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Json) : {};
    } catch {
      return {};
    }
  }
}

/** The Redfish error message, if any, else the start of the body. */
function summarise(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string; '@Message.ExtendedInfo'?: Array<{ Message?: string }> } };
    const message = j.error?.['@Message.ExtendedInfo']?.[0]?.Message ?? j.error?.message ?? '';
    return typeof message === 'string' ? clip(message) : '';
  } catch {
    return clip(text);
  }
}
