/**
 * The little HTTP plumbing the agent-side servers share (the Ironic agent API, the HTTP boot
 * server, simulated agents). Every listener is reachable by any machine on a provisioning network,
 * so each request is handled in isolation (a failing handler answers 500 and logs; it never becomes
 * an unhandled rejection that ends the worker) and every resource a client can hold is capped.
 */
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { bindError } from '../net/listen-error.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
export type HttpLog = (level: 'debug' | 'info' | 'warn', message: string) => void;

/** Request line plus headers (node answers 431 above it; its default is 16 KiB). iPXE, IPA and curl send well under 1 KiB. */
export const MAX_HEADER_BYTES = 8 * 1024;
/** Request target length (414 above it); below MAX_HEADER_BYTES so the 414 can be answered. */
export const MAX_URL_BYTES = 4 * 1024;
/** Time to receive the whole request head (408 after it): cuts off clients that trickle headers. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Time to receive the whole request, body included (408 after it): a body that never finishes. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** An idle keep-alive connection is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A socket with no traffic either way is destroyed after this (e.g. a download nobody reads). */
export const IDLE_TIMEOUT_MS = 60_000;
/** Concurrent connections per listener; more are closed on accept (keeps file descriptors bounded). */
export const MAX_CONNECTIONS = 512;
/** Time to complete a TLS handshake (node's default is 120 s): a client that connects and stalls is cut off. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface HttpLimits {
  maxHeaderBytes: number;
  maxUrlBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
  tlsHandshakeTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  maxHeaderBytes: MAX_HEADER_BYTES,
  maxUrlBytes: MAX_URL_BYTES,
  headersTimeoutMs: HEADERS_TIMEOUT_MS,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  maxConnections: MAX_CONNECTIONS,
  tlsHandshakeTimeoutMs: TLS_HANDSHAKE_TIMEOUT_MS,
};

/** A TLS listener's certificate chain and key (PEM; src/tls makes or reads them). */
export interface HttpTlsOptions {
  cert: string;
  key: string;
}

export interface ListenHttpOptions {
  /** Where failed requests and refused clients are reported. */
  log?: HttpLog;
  /** Tighter (tests) or looser limits than DEFAULT_HTTP_LIMITS. */
  limits?: Partial<HttpLimits>;
  /** What listens, for the AddressInUseError a taken port gives (e.g. `HTTP boot server`). */
  service?: string;
  /** Serve HTTPS with this certificate instead of plain HTTP (same handler, same limits). */
  tls?: HttpTlsOptions;
  /** Listen on this unix socket instead of host:port (a front server's upstream, e.g. nginx). */
  socketPath?: string;
}

/** A request target we do not serve: 400 (malformed) or 414 (too long). */
export class BadRequestTargetError extends Error {
  constructor(
    readonly status: 400 | 414,
    message: string,
  ) {
    super(message);
  }
}

/** Starts an HTTP (or, with `opts.tls`, HTTPS) server on host:port (0 = any free port) serving `handler`. */
export function listenHttp(handler: Handler, port: number, host: string, opts: ListenHttpOptions = {}): Promise<Server> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
  const httpOptions: ServerOptions = {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often node looks for requests over their timeouts (30 s by default: too coarse).
    connectionsCheckingInterval: Math.max(50, Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4),
  };
  const serve = (req: IncomingMessage, res: ServerResponse): void => serveIsolated(handler, req, res, limits, opts.log);
  const server: Server = opts.tls ? createTlsServer({ ...httpOptions, cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: limits.tlsHandshakeTimeoutMs }, serve) : createServer(httpOptions, serve);
  // A failed handshake (a client that does not trust us, a stalled or plain-HTTP client): the socket is already gone.
  // (Its peer address is gone with it; ECONNRESET is what a client that refused our certificate leaves.)
  if (opts.tls) server.on('tlsClientError', (err: NodeJS.ErrnoException) => opts.log?.('debug', `https: TLS handshake failed: ${err.code ?? err.message}`));
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.setTimeout(limits.idleTimeoutMs); // no 'timeout' listener: node destroys the idle socket
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, opts.log));
  server.on('drop', dropReporter(limits.maxConnections, opts.log));
  return new Promise((resolve, reject) => {
    const failed = (err: unknown): void => reject(bindError(err, 'tcp', host, port, opts.service ?? 'HTTP listener'));
    server.once('error', failed);
    const listening = (): void => {
      server.off('error', failed);
      resolve(server);
    };
    if (opts.socketPath !== undefined) server.listen(opts.socketPath, listening);
    else server.listen(port, host, listening);
  });
}

/** Connections refused at the cap, logged at most every 10 s so a flood does not flood the log too. */
function dropReporter(max: number, log: HttpLog | undefined): (d?: { remoteAddress?: string }) => void {
  let dropped = 0;
  let last = 0;
  return (d) => {
    dropped++;
    if (Date.now() - last < 10_000) return;
    log?.('warn', `http: ${dropped} connection(s) refused (last from ${d?.remoteAddress ?? '?'}): ${max} connections open`);
    dropped = 0;
    last = Date.now();
  };
}

function serveIsolated(handler: Handler, req: IncomingMessage, res: ServerResponse, limits: HttpLimits, log: HttpLog | undefined): void {
  if ((req.url ?? '').length > limits.maxUrlBytes) return plain(res, 414, 'request target too long\n');
  let done: Promise<void>;
  try {
    done = handler(req, res);
  } catch (err) {
    done = Promise.reject(err);
  }
  done.catch((err: unknown) => {
    const status = err instanceof BadRequestTargetError ? err.status : err instanceof BodyTooLargeError ? 413 : err instanceof RequestAbortedError ? 400 : 500;
    log?.(status >= 500 ? 'warn' : 'debug', `http: ${describeRequest(req)}: ${status}: ${err instanceof Error ? err.message : String(err)}`);
    // Too late for a status line: cut the connection so the client sees a failed transfer, not a short one.
    if (res.headersSent) return void res.destroy();
    plain(res, status, `${STATUS_CODES[status] ?? 'error'}\n`);
  });
}

/** Node's own answers to requests it cannot parse (400, 408, 431), plus a log line. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, log: HttpLog | undefined): void {
  // Under TLS 1.3 a client's refusal of our certificate (an alert) arrives after our side of the handshake: no HTTP answer.
  if (err.code?.startsWith('ERR_SSL_')) {
    log?.('debug', `https: TLS handshake failed: ${err.code}`);
    return void socket.destroy();
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const peer = (socket as Duplex & { remoteAddress?: string }).remoteAddress ?? '?';
  if (err.code !== 'ECONNRESET') log?.('debug', `http: client ${peer}: ${status}: ${err.code ?? err.message}`);
  const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
  if (socket.writable && written === 0) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/** Method and target for a log line, quoted (a target may carry control characters) and shortened. */
export function describeRequest(req: IncomingMessage): string {
  return `${req.method ?? '?'} ${JSON.stringify((req.url ?? '').slice(0, 200))} from ${req.socket.remoteAddress ?? '?'}`;
}

function plain(res: ServerResponse, status: number, body: string): void {
  // After an error the rest of the request (an unread body) is not worth reading: close.
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

export interface RequestTarget {
  /** Percent-decoded path. */
  path: string;
  /** The path as sent (validated: it decodes), for handlers that decode segments themselves. */
  rawPath: string;
  /** The target as a URL (for its query); the origin is a placeholder. */
  url: URL;
}

// RFC 3986 path characters: unreserved, pct-encoded, sub-delims, ':', '@' and '/'.
const PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

/**
 * The request target in origin form (RFC 9112 3.2.1), the only form a server that is not a proxy
 * serves: absolute-form, authority-form, `*`, characters outside the path grammar, bad
 * percent-encoding and encoded NUL/control characters are 400. (Overlong targets were already
 * answered 414 by listenHttp, with the listener's own limit.)
 */
export function parseTarget(raw: string | undefined): RequestTarget {
  const target = raw ?? '';
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  if (!PATH.test(rawPath)) throw new BadRequestTargetError(400, 'Malformed request target');
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new BadRequestTargetError(400, 'Malformed percent-encoding in the request target');
  }
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new BadRequestTargetError(400, 'Control character in the request target');
  const url = new URL('http://target/');
  url.pathname = rawPath;
  url.search = q < 0 ? '' : target.slice(q);
  return { path, rawPath, url };
}

/** Request body size caps: a request declaring more is refused before its body is read. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes = 0) {
    super(maxBytes ? `Request body too large (more than ${maxBytes} bytes)` : 'Request body too large');
  }
}

/** The client went away before its body was complete. */
export class RequestAbortedError extends Error {
  constructor() {
    super('Request aborted by the client');
  }
}

/** Body cap of endpoints that name none (simulated agents: commands with a config drive). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Reads a request body as text, refusing more than `maxBytes` (before reading it, if declared). */
export function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(new BodyTooLargeError(maxBytes));
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const stop = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        stop();
        // Not req.destroy(): that would destroy the socket before the 413 is sent.
        req.pause();
        return reject(new BodyTooLargeError(maxBytes));
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (err: Error): void => {
      stop();
      reject(err);
    };
    const onClose = (): void => {
      stop();
      reject(new RequestAbortedError());
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** Sends a JSON body (or none, for `undefined`). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The address a server listens on, as a port number. */
export function portOf(server: Server): number {
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}
