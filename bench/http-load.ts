/**
 * The HTTP side of bench/boot-plane: small requests per second over keep-alive connections (a raw
 * socket client, a request at a time per connection as iPXE sends them, so the client costs little
 * more than the kernel's share), and big-file streaming by curl (C, OpenSSL: the decryption is not
 * the bottleneck), each cut off after the same number of seconds.
 */
import { execFile } from 'node:child_process';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RpsOptions {
  host: string;
  port: number;
  tls: boolean;
  path: string;
  connections: number;
  seconds: number;
}

export interface RpsResult {
  requests: number;
  perSecond: number;
  /** Answers that were not 200, and connections that broke. */
  failed: number;
  bytes: number;
}

const HEAD_END = '\r\n\r\n';

/** One keep-alive connection sending the next request as soon as the previous answer is complete. */
function loop(o: RpsOptions, deadline: number, r: RpsResult): Promise<void> {
  const request = Buffer.from(`GET ${o.path} HTTP/1.1\r\nHost: ${o.host}\r\nUser-Agent: iPXE/1.21.1\r\n\r\n`, 'latin1');
  return new Promise((resolve) => {
    const sock: Socket = o.tls ? tlsConnect({ host: o.host, port: o.port, rejectUnauthorized: false }) : tcpConnect({ host: o.host, port: o.port });
    sock.setNoDelay(true);
    let buf = '';
    let bodyLeft = -1; // -1: reading a head
    const next = (): void => {
      if (Date.now() >= deadline) return void sock.end();
      sock.write(request);
    };
    sock.once(o.tls ? 'secureConnect' : 'connect', next);
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (bodyLeft < 0) {
          const end = buf.indexOf(HEAD_END);
          if (end < 0) return;
          const head = buf.slice(0, end);
          if (!head.startsWith('HTTP/1.1 200')) r.failed++;
          const m = /\r\ncontent-length: *(\d+)/i.exec(head);
          bodyLeft = m ? Number(m[1]) : 0;
          buf = buf.slice(end + HEAD_END.length);
        }
        if (buf.length < bodyLeft) return;
        r.bytes += bodyLeft;
        buf = buf.slice(bodyLeft);
        bodyLeft = -1;
        r.requests++;
        next();
      }
    });
    sock.on('error', () => r.failed++);
    sock.on('close', () => resolve());
  });
}

export async function httpRps(o: RpsOptions): Promise<RpsResult> {
  const r: RpsResult = { requests: 0, perSecond: 0, failed: 0, bytes: 0 };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: o.connections }, () => loop(o, t0 + o.seconds * 1000, r)));
  r.perSecond = r.requests / ((Date.now() - t0) / 1000);
  return r;
}

export interface StreamResult {
  mibPerSecond: number;
  bytes: number;
  /** curl runs that ended with an error other than the time limit. */
  failed: number;
}

/** `clients` curls downloading `url` at once until each completes or `seconds` pass. */
export async function httpStream(url: string, clients: number, seconds: number): Promise<StreamResult> {
  const t0 = Date.now();
  const one = (): Promise<{ bytes: number; ok: boolean }> =>
    new Promise((resolve) => {
      execFile('curl', ['-sk', '-o', '/dev/null', '--max-time', String(seconds), '-w', '%{size_download}', url], (err, stdout) => {
        // 28: cut at --max-time, as intended when the file outlasts the measurement.
        const code = (err as (Error & { code?: number }) | null)?.code;
        resolve({ bytes: Number(stdout) || 0, ok: !err || code === 28 });
      });
    });
  const runs = await Promise.all(Array.from({ length: clients }, one));
  const bytes = runs.reduce((s, x) => s + x.bytes, 0);
  return { bytes, mibPerSecond: bytes / 2 ** 20 / ((Date.now() - t0) / 1000), failed: runs.filter((x) => !x.ok).length };
}

/** One atftp client (C, lock-step: no windowsize) reading `file` `times` times; MiB/s over them all. */
export async function tftpSingle(host: string, file: string, bytes: number, times: number): Promise<{ mibPerSecond: number; failed: number }> {
  let failed = 0;
  const t0 = Date.now();
  for (let i = 0; i < times; i++) {
    await new Promise<void>((resolve) => {
      execFile('atftp', ['--option', 'blksize 1468', '-g', '-r', file, '-l', '/dev/null', host], (err) => {
        if (err) failed++;
        resolve();
      });
    });
  }
  return { mibPerSecond: ((times - failed) * bytes) / 2 ** 20 / ((Date.now() - t0) / 1000), failed };
}
