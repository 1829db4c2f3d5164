/**
 * Each worker's observability listener: `/metrics` (Prometheus text: our host metrics, then the
 * Temporal SDK core's own, fetched from its exporter on loopback), `/healthz` (the process
 * answers) and `/readyz` (the worker is running and polling its task queue). It uses the project's
 * hostile-by-default HTTP plumbing with tighter caps: a scraper needs one or two connections and
 * sends a small GET, nothing more.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { listenHttp, parseTarget, type HttpLimits, type HttpLog } from '../../agent/http-server.js';
import { HealthPath } from '../../contract/index.js';

/** Concurrent connections (Prometheus keeps one per target; a few more for curl and probes). */
export const HEALTH_MAX_CONNECTIONS = 16;
/** Request head (GET plus a scraper's headers, well under 1 KiB). */
export const HEALTH_MAX_HEADER_BYTES = 4 * 1024;
/** Request target length. */
export const HEALTH_MAX_URL_BYTES = 1024;
/** Whole request (the head: no body is accepted) within this, else 408. */
export const HEALTH_REQUEST_TIMEOUT_MS = 5_000;
/** A connection with no traffic either way is closed after this (Prometheus' default interval is 60 s: it reconnects). */
export const HEALTH_IDLE_TIMEOUT_MS = 30_000;
/** How long /metrics waits for the SDK core's exporter before answering without its metrics. */
export const CORE_SCRAPE_TIMEOUT_MS = 3_000;

export const HEALTH_HTTP_LIMITS: Partial<HttpLimits> = {
  maxConnections: HEALTH_MAX_CONNECTIONS,
  maxHeaderBytes: HEALTH_MAX_HEADER_BYTES,
  maxUrlBytes: HEALTH_MAX_URL_BYTES,
  headersTimeoutMs: HEALTH_REQUEST_TIMEOUT_MS,
  requestTimeoutMs: HEALTH_REQUEST_TIMEOUT_MS,
  idleTimeoutMs: HEALTH_IDLE_TIMEOUT_MS,
};

export interface HealthSources {
  /** Our metrics in the text format (MetricsRegistry.render). */
  metrics: () => string;
  /** The SDK core's Prometheus exporter (`http://127.0.0.1:<port>/metrics`), if installed. */
  coreMetricsUrl?: string;
  /** Undefined when ready, else why not (e.g. the worker's state). */
  notReady: () => string | undefined;
}

const TEXT = 'text/plain; charset=utf-8';
/** The Prometheus text exposition format. */
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

export function startHealthServer(sources: HealthSources, port: number, host: string, opts: { log?: HttpLog; limits?: Partial<HttpLimits> } = {}): Promise<Server> {
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { path } = parseTarget(req.url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, TEXT, 'method not allowed\n', { allow: 'GET, HEAD' });
    // A GET has no body: one announced is refused unread (nothing here reads request bodies).
    if (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') return send(res, 413, TEXT, 'no request body accepted\n');
    if (req.headers['transfer-encoding'] !== undefined) return send(res, 413, TEXT, 'no request body accepted\n');
    if (path === HealthPath.healthz) return send(res, 200, TEXT, 'ok\n');
    if (path === HealthPath.readyz) {
      const why = sources.notReady();
      return why === undefined ? send(res, 200, TEXT, 'ready\n') : send(res, 503, TEXT, `not ready: ${why}\n`);
    }
    if (path === HealthPath.metrics) return send(res, 200, PROMETHEUS_TEXT, sources.metrics() + (await coreMetrics(sources.coreMetricsUrl, opts.log)));
    return send(res, 404, TEXT, 'not found\n');
  };
  return listenHttp(handler, port, host, { service: 'metrics listener', limits: { ...HEALTH_HTTP_LIMITS, ...opts.limits }, ...(opts.log ? { log: opts.log } : {}) });
}

async function coreMetrics(url: string | undefined, log: HttpLog | undefined): Promise<string> {
  if (!url) return '';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(CORE_SCRAPE_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    return text.endsWith('\n') || text === '' ? text : `${text}\n`;
  } catch (err) {
    // Our own metrics are still worth serving; the gap shows in the log.
    log?.('warn', `metrics: Temporal SDK metrics unavailable from ${url}: ${err instanceof Error ? err.message : String(err)}`);
    return '';
  }
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
