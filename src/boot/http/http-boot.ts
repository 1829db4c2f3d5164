/**
 * The boot services' HTTP server (Metal3's httpd, port 80 by default): iPXE scripts per MAC
 * generated from the boot configuration, the agent kernel/initramfs, disk images and iPXE firmware
 * (UEFI HTTP boot), with HEAD and single byte ranges (IPA and curl resume image downloads).
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { BadRequestTargetError, describeRequest, parseTarget, type RequestTarget } from '../../agent/http-server.js';
import { normaliseMac } from '../../api/mac.js';
import type { BootConfigStore, BootTarget } from '../boot-config.js';
import { resolveInside } from '../files.js';
import { MEDIA_FILE_NAME, type MediaPublications } from '../media/media-publications.js';
import { agentScript, localBootScript, type AgentBootSettings } from './ipxe-script.js';
import { ReadaheadBudget } from './readahead.js';

/** Kept here for existing importers; the readahead limits live in ./readahead.ts. */
export { FILE_CHUNK_BYTES } from './readahead.js';

export interface HttpBootOptions {
  store: BootConfigStore;
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void;
  agent: AgentBootSettings;
  /** Public base URL of this server, for the generic chain script. */
  baseUrl: string;
  dirs: { agent: string; images: string; firmware: string };
  /** Published agent ISOs (virtual media), at /media/<token>/agent.iso. */
  media?: MediaPublications;
  /** Shared by every listener of this handler (tests pass a small one). */
  readahead?: ReadaheadBudget;
  /**
   * Behind a front server (nginx, src/boot/http/nginx-config.ts): files are answered with an
   * X-Accel-Redirect to this internal location plus the file's real path, for the front to stream,
   * and the client's address is read from this header (the front sets it; only the front reaches
   * this handler's socket).
   */
  front?: { fileLocation: string; clientHeader: string };
}

export function httpBootHandler(opts: HttpBootOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // Every PXE client of the network asks for these: rendered once (the chain and local scripts) or
  // once per stored target (agent scripts), not per request.
  const chainScript = Buffer.from(`#!ipxe\nchain ${opts.baseUrl}/ipxe/\${net0/mac}/boot.ipxe\n`);
  const localScript = Buffer.from(localBootScript());
  const readahead = opts.readahead ?? new ReadaheadBudget();
  const agentScripts = new WeakMap<BootTarget, { inspect: boolean; body: Buffer }>();
  const agentScriptOf = (target: BootTarget): Buffer => {
    const inspect = target.inspect === true;
    const cached = agentScripts.get(target);
    // A target is replaced when it changes (BootConfigStore.set), but compare what the script depends on anyway.
    if (cached?.inspect === inspect) return cached.body;
    const body = Buffer.from(agentScript(target, opts.agent));
    agentScripts.set(target, { inspect, body });
    return body;
  };
  const client = (req: IncomingMessage): string => {
    const forwarded = opts.front ? req.headers[opts.front.clientHeader.toLowerCase()] : undefined;
    return (typeof forwarded === 'string' ? forwarded : req.socket.remoteAddress) ?? '?';
  };
  const send: SendFile = opts.front ? accelRedirect(opts.front.fileLocation) : (req, res, path, size, name) => sendFile(req, res, path, size, name, opts.log, readahead);
  return async (req, res) => {
    let parsed: RequestTarget;
    try {
      parsed = parseTarget(req.url);
    } catch (err) {
      if (!(err instanceof BadRequestTargetError)) throw err;
      opts.log?.('info', `http: ${describeRequest(req)}: ${err.message}`);
      return text(res, err.status, `${err.message}\n`, true);
    }
    const path = parsed.path;
    const script = path === '/boot.ipxe' ? undefined : /^\/ipxe\/([^/]+)\/boot\.ipxe$/.exec(path);
    // A media token is the only key to an ISO holding the host's network data: never in a log line.
    // The generic chain script at debug (every machine asks for it first); a machine's own script
    // and files at info: operators (and the QEMU lab test) follow a network boot by them.
    opts.log?.(path === '/boot.ipxe' ? 'debug' : 'info', `http: ${req.method ?? '?'} ${path.replace(/^\/media\/[^/]+/, '/media/…')} from ${client(req)}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed\n', true, { allow: 'GET, HEAD' });
    // Nothing here takes a body: refuse one rather than read (or drain) it.
    if (hasBody(req)) return text(res, 413, 'request body not allowed\n', true);
    // For DHCP setups that hand every iPXE client the same URL: chain to the per-MAC script.
    if (path === '/boot.ipxe') return text(res, 200, chainScript);
    if (script) {
      const mac = normaliseMac(script[1]);
      if (!mac) return text(res, 400, 'not a MAC address\n');
      const target = opts.store.get(mac);
      return text(res, 200, target?.action === 'agent' ? agentScriptOf(target) : localScript);
    }
    const media = /^\/media\/([^/]+)\/([^/]+)$/.exec(path);
    if (media) {
      // The token alone finds the file; nothing of the request becomes a path.
      const file = media[2] === MEDIA_FILE_NAME ? opts.media?.resolve(media[1] ?? '') : undefined;
      const st = file ? await stat(file).catch(() => undefined) : undefined;
      if (!file || !st?.isFile()) return text(res, 404, 'not found\n');
      return send(req, res, file, st.size, 'agent media');
    }
    const file = /^\/(agent|images|firmware)\/(.+)$/.exec(path);
    if (file) return serveFile(res, opts.dirs[file[1] as keyof HttpBootOptions['dirs']], file[2] ?? '', (path, size) => send(req, res, path, size, file[2] ?? ''));
    return text(res, 404, 'not found\n');
  };
}

/** `close`: the request may have an unread body, so the connection is not reused. */
function text(res: ServerResponse, status: number, body: string | Buffer, close = false, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length, ...(close ? { connection: 'close' } : {}), ...extra });
  res.end(body);
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

type SendFile = (req: IncomingMessage, res: ServerResponse, path: string, size: number, name: string) => void | Promise<void>;

async function serveFile(res: ServerResponse, root: string, name: string, send: (path: string, size: number) => void | Promise<void>): Promise<void> {
  const r = await resolveInside(root, name);
  if ('refused' in r) return text(res, r.refused === 'escape' ? 403 : 404, r.refused === 'escape' ? 'forbidden\n' : 'not found\n');
  return send(r.path, r.size);
}

/**
 * The front streams the file (ranges, HEAD, sendfile): it is told the real path, every segment
 * percent-encoded (nginx decodes it, and a `?` or `%` in a name stays part of the name).
 */
function accelRedirect(location: string): SendFile {
  return async (_req, res, path) => {
    const real = await realpath(path).catch(() => undefined);
    if (!real) return text(res, 404, 'not found\n');
    const target = location + real.split('/').map(encodeURIComponent).join('/');
    res.writeHead(200, { 'x-accel-redirect': target, 'content-length': 0 });
    res.end();
  };
}

/** A whole file or one byte range of it (BMCs read virtual media by ranges). */
function sendFile(req: IncomingMessage, res: ServerResponse, path: string, size: number, name: string, log: HttpBootOptions['log'], readahead: ReadaheadBudget): void {
  const range = parseRange(req.headers.range, size);
  const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` });
    return void res.end();
  }
  const [start, end] = range ?? [0, size - 1];
  res.writeHead(range ? 206 : 200, { ...headers, 'content-length': Math.max(0, end - start + 1), ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}) });
  if (req.method === 'HEAD' || size === 0) return void res.end();
  // pipeline: a read error destroys the response (the client sees a cut transfer) and a client
  // that hangs up closes the file; neither is left as an unhandled 'error'.
  const chunk = readahead.take();
  pipeline(createReadStream(path, { start, end, highWaterMark: chunk.chunkBytes }), res, (err) => {
    chunk.release();
    if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log?.('warn', `http: sending ${name}: ${err.message}`);
  });
}

/** One `bytes=` range (RFC 9110); several ranges are answered with the whole file. */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    start = Math.max(0, size - Number(b)); // suffix: the last N bytes
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return [start, end];
}
