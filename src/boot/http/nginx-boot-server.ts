/**
 * The boot HTTP server with nginx in front (`staticServer: 'nginx'`): the Node handler on a unix
 * socket in nginx's private directory, nginx on the boot ports (plain and TLS) passing every
 * request to it and streaming the files it points at (X-Accel-Redirect). URLs, scripts and the
 * boot worker's log lines are those of the Node server alone.
 */
import { execFileSync } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import type { Server } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { listenHttp, type Handler, type HttpLog, type HttpTlsOptions } from '../../agent/http-server.js';
import { NGINX_SCRIPT_LOG_MARK, nginxConfig } from './nginx-config.js';
import { NginxFront, NginxStartError } from './nginx-front.js';
import type { BootConfigStore } from '../boot-config.js';
import type { AgentBootSettings } from './ipxe-script.js';
import { ScriptFiles } from './script-files.js';

const SCRIPT_LINE = new RegExp(`^${NGINX_SCRIPT_LOG_MARK} (\\S+) (\\S+) (\\S+)$`);

/** Longest unix socket path Linux takes (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

export interface NginxBootServerOptions {
  binary: string;
  /** The private directory (emptied at start, removed at close). */
  dir: string;
  handler: Handler;
  /** The boot configuration and agent settings the scripts nginx answers itself are rendered from (src/boot/http/script-files.ts). */
  scripts?: { store: BootConfigStore; agent: AgentBootSettings };
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
  const scriptsDir = join(o.dir, 'scripts');
  let upstream: Server | undefined;
  const scriptLog = join(o.dir, 'script-requests.fifo');
  let scripts: ScriptFiles | undefined;
  let requests: Socket | undefined;
  const front = await NginxFront.start({
    binary: o.binary,
    dir: o.dir,
    config: nginxConfig({
      dir: o.dir,
      upstreamSocket: socket,
      plain: o.plain,
      ...(o.scripts ? { scriptsDir, scriptLog } : {}),
      ...(o.tls ? { tls: { listeners: o.tls.listeners, certFile: join(o.dir, 'tls.crt'), keyFile: join(o.dir, 'tls.key') } } : {}),
      // nginx's workers would run as nobody under a root master: the boot worker's own privileges instead (it can read what it serves).
      ...(process.getuid?.() === 0 ? { user: 'root' } : {}),
    }),
    ...(o.tls ? { files: { 'tls.crt': o.tls.cert.cert, 'tls.key': o.tls.cert.key } } : {}),
    prepared: async () => {
      if (o.scripts) {
        scripts = new ScriptFiles(scriptsDir, o.scripts.store, o.scripts.agent);
        requests = readScriptRequests(scriptLog, o.log);
      }
      upstream = await listenHttp(o.handler, 0, '', { log: o.log, service: 'HTTP boot server (nginx upstream)', socketPath: socket });
    },
    log: o.log,
    service: 'HTTP boot server (nginx)',
  }).catch(async (err: unknown) => {
    scripts?.close();
    requests?.destroy();
    await closeServer(upstream);
    throw err;
  });
  return {
    front,
    close: async () => {
      scripts?.close();
      await front.stop();
      requests?.destroy();
      await closeServer(upstream);
    },
  };
}

/**
 * The request lines of the scripts nginx answered, logged as the boot worker's own (operators, and
 * the QEMU lab test, follow a network boot by them). A FIFO in the private directory, held open
 * read-write here so nginx's open never blocks and a restarted nginx writes to the same reader.
 */
function readScriptRequests(fifo: string, log: HttpLog): Socket {
  execFileSync('mkfifo', ['-m', '600', fifo]);
  const socket = new Socket({ fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
  let partial = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = (lines.pop() ?? '').slice(-4096);
    for (const line of lines) {
      const m = SCRIPT_LINE.exec(line);
      if (m) log('info', `http: ${m[1] ?? '?'} ${m[2] ?? '?'} from ${m[3] ?? '?'}`);
    }
  });
  socket.on('error', (err) => log('warn', `nginx script request log: ${err.message}`));
  return socket;
}

function closeServer(server: Server | undefined): Promise<void> {
  return new Promise((r) => (server ? server.close(() => r()) : r()));
}
