/**
 * The boot HTTP server with nginx in front (`staticServer: 'nginx'`): the Node handler on a unix
 * socket in nginx's private directory, nginx on the boot ports (plain and TLS) passing every
 * request to it and streaming the files it points at (X-Accel-Redirect). URLs, scripts and the
 * boot worker's log lines are those of the Node server alone.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { listenHttp, type Handler, type HttpLog, type HttpTlsOptions } from '../../agent/http-server.js';
import { nginxConfig } from './nginx-config.js';
import { NginxFront, NginxStartError } from './nginx-front.js';

/** Longest unix socket path Linux takes (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

export interface NginxBootServerOptions {
  binary: string;
  /** The private directory (emptied at start, removed at close). */
  dir: string;
  handler: Handler;
  plain: Array<{ host: string; port: number }>;
  tls?: { listeners: Array<{ host: string; port: number }>; cert: HttpTlsOptions };
  log: HttpLog;
}

export interface NginxBootServer {
  front: NginxFront;
  close(): Promise<void>;
}

export async function startNginxBootServer(o: NginxBootServerOptions): Promise<NginxBootServer> {
  const socket = join(o.dir, 'node.sock');
  if (socket.length > MAX_SOCKET_PATH) throw new NginxStartError(`the nginx directory ${o.dir} is too long for a unix socket path (${MAX_SOCKET_PATH} bytes): use a shorter METALFLOW_DATA_DIR`);
  for (const l of [...o.plain, ...(o.tls?.listeners ?? [])]) if (l.port === 0) throw new NginxStartError('the nginx boot server needs fixed ports (port 0 given)');
  let upstream: Server | undefined;
  const front = await NginxFront.start({
    binary: o.binary,
    dir: o.dir,
    config: nginxConfig({
      dir: o.dir,
      upstreamSocket: socket,
      plain: o.plain,
      ...(o.tls ? { tls: { listeners: o.tls.listeners, certFile: join(o.dir, 'tls.crt'), keyFile: join(o.dir, 'tls.key') } } : {}),
      // nginx's workers would run as nobody under a root master: the boot worker's own privileges instead (it can read what it serves).
      ...(process.getuid?.() === 0 ? { user: 'root' } : {}),
    }),
    ...(o.tls ? { files: { 'tls.crt': o.tls.cert.cert, 'tls.key': o.tls.cert.key } } : {}),
    prepared: async () => {
      upstream = await listenHttp(o.handler, 0, '', { log: o.log, service: 'HTTP boot server (nginx upstream)', socketPath: socket });
    },
    log: o.log,
    service: 'HTTP boot server (nginx)',
  }).catch(async (err: unknown) => {
    await closeServer(upstream);
    throw err;
  });
  return {
    front,
    close: async () => {
      await front.stop();
      await closeServer(upstream);
    },
  };
}

function closeServer(server: Server | undefined): Promise<void> {
  return new Promise((r) => (server ? server.close(() => r()) : r()));
}
