/**
 * A Redfish HTTP session to one BMC on undici: one connection pool per BMC (kept across
 * activities), requests to one BMC serialised (many BMCs misbehave under concurrent calls), bounded
 * Ironic-like retries on 5xx and connection errors, and typed errors an operator can act on.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { BmcAuthenticationError, BmcCertificateError, BmcUnreachableError, RedfishRequestError } from '../../errors.js';

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

  private call(method: Dispatcher.HttpMethod, path: string, body?: Json): Promise<Json> {
    return serialised(this.endpoint.origin, () => this.withRetries(method, path, body));
  }

  private async withRetries(method: Dispatcher.HttpMethod, path: string, body?: Json): Promise<Json> {
    let last: Error | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        return await this.once(method, path, body);
      } catch (err) {
        if (!(err instanceof BmcUnreachableError)) throw err; // only transient failures are retried here
        last = err;
        if (attempt < this.attempts) await new Promise((r) => setTimeout(r, this.retryDelayMs * attempt));
      }
    }
    throw last ?? new BmcUnreachableError(`${method} ${path} failed`);
  }

  private async once(method: Dispatcher.HttpMethod, path: string, body?: Json): Promise<Json> {
    const url = `${this.endpoint.origin}${path}`;
    const auth = Buffer.from(`${this.endpoint.username}:${this.endpoint.password}`).toString('base64');
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        dispatcher: agentFor(this.endpoint),
        headers: { authorization: `Basic ${auth}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), 'odata-version': '4.0' },
        ...(body ? { body: JSON.stringify(body) } : {}),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code ?? '';
      if (CERT_CODES.has(code)) {
        throw new BmcCertificateError(`TLS certificate of ${this.endpoint.origin} not trusted (${code}); fix the certificate or set spec.bmc.disableCertificateVerification`, { origin: this.endpoint.origin, code });
      }
      throw new BmcUnreachableError(`${method} ${url}: ${(err as Error).message}${code ? ` (${code})` : ''}`, { origin: this.endpoint.origin, code });
    }
    const text = await res.body.text();
    const status = res.statusCode;
    if (status === 401 || status === 403) {
      throw new BmcAuthenticationError(`BMC ${this.endpoint.origin} refused the credentials (HTTP ${status}): bad credentials`, { origin: this.endpoint.origin, status });
    }
    if (status >= 500 && status !== 501) throw new BmcUnreachableError(`${method} ${url}: HTTP ${status} ${summarise(text)}`, { status });
    if (status >= 400) throw new RedfishRequestError(`${method} ${url}: HTTP ${status} ${summarise(text)}`, { status, path });
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as Json;
    } catch {
      return {};
    }
  }
}

/** The Redfish error message, if any, else the start of the body. */
function summarise(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string; '@Message.ExtendedInfo'?: Array<{ Message?: string }> } };
    return j.error?.['@Message.ExtendedInfo']?.[0]?.Message ?? j.error?.message ?? '';
  } catch {
    return text.slice(0, 200);
  }
}
