/**
 * The throughput part of bench/boot-plane: what a provisioning network draws from the boot plane
 * when many machines boot at once, ours beside the servers made for it, in the same run:
 *   HTTP image streaming: a 1 GiB image (sparse) to several curl clients at once, plain HTTP and
 *     HTTPS (the vmedia TLS port), metalflow's boot HTTP server vs nginx (sendfile; TLS in OpenSSL);
 *   iPXE scripts: requests/s for a MAC's agent script (about 700 bytes) over keep-alive connections,
 *     plain and HTTPS, vs nginx serving the same bytes as a static file;
 *   TFTP: one atftp client (C, lock-step as a PXE ROM or tftp-hpa's client: no windowsize) reading
 *     a 20 MiB file at blksize 1468, metalflow vs tftpd-hpa.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LanMember } from '../lab/lab-network.js';
import type { BenchProcesses, NsProcess } from './boot-plane-procs.js';
import type { RpsResult, StreamResult } from './http-load.js';
import { fmt } from './measure.js';

export const IMAGE_BYTES = 2 ** 30;
export const TFTP_SINGLE = { name: 'big20.bin', bytes: 20 * 2 ** 20 };
const BENCH_MAC = '52:54:00:be:0c:01';
const SCRIPT_PATH = `/ipxe/${BENCH_MAC}/boot.ipxe`;
const IMAGE_PATH = '/images/image.img';

export interface ThroughputOptions {
  seconds: number;
  /** curl clients streaming the image at once. */
  streams: number;
  /** Keep-alive connections asking for scripts at once. */
  connections: number;
  /** atftp reads of the 20 MiB file, one after another. */
  tftpTimes: number;
}

export interface ThroughputColumn {
  server: string;
  image?: StreamResult;
  imageTls?: StreamResult;
  script?: RpsResult;
  scriptTls?: RpsResult;
  tftp?: { mibPerSecond: number; failed: number };
}

export interface ThroughputHost {
  readonly dir: string;
  readonly tftpRoot: string;
  readonly srv: LanMember;
  readonly cli: LanMember;
  readonly procs: BenchProcesses;
  node(ns: LanMember, name: string, script: string, args: Array<string | number>): NsProcess;
  load<T>(name: string, args: Array<string | number>): Promise<T>;
  /** Resolves once something listens on `port` (TCP or UDP) in the server's namespace. */
  listening(p: NsProcess, port: number, what: string, proto?: 'tcp' | 'udp'): Promise<void>;
}

export class ThroughputBench {
  readonly www: string;

  constructor(
    private readonly h: ThroughputHost,
    private readonly o: ThroughputOptions,
  ) {
    this.www = join(h.dir, 'www');
    for (const d of ['agent', 'images', 'firmware', 'data', `ipxe/${BENCH_MAC}`]) mkdirSync(join(this.www, d), { recursive: true, mode: 0o755 });
    // Sparse: both servers read the same zero pages; what is measured is the serving, not the disk.
    execFileSync('truncate', ['-s', String(IMAGE_BYTES), join(this.www, 'images', 'image.img')]);
    writeFileSync(join(h.tftpRoot, TFTP_SINGLE.name), Buffer.alloc(TFTP_SINGLE.bytes, 0x5a), { mode: 0o644 });
    // RSA 2048, as the boot worker's generated certificates (src/tls).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', this.key, '-out', this.cert, '-days', '2', '-subj', '/CN=boot-plane', '-addext', `subjectAltName=IP:${h.srv.ip}`], { stdio: 'ignore' });
  }

  get cert(): string {
    return join(this.h.dir, 'cert.pem');
  }

  get key(): string {
    return join(this.h.dir, 'key.pem');
  }

  private get ip(): string {
    return this.h.srv.ip ?? '';
  }

  /** `nginx`: the boot worker's HTTP server with its supervised nginx in front (METALFLOW_BOOT_STATIC_SERVER=nginx). */
  async metalflow(staticServer: 'node' | 'nginx' = 'node'): Promise<ThroughputColumn> {
    const p = this.h.node(this.h.srv, `metalflow-http-${staticServer}`, 'boot-plane-server.ts', ['http', this.ip, this.www, BENCH_MAC, this.cert, this.key, staticServer]);
    try {
      await this.h.listening(p, 8083, 'metalflow HTTP', 'tcp');
      // nginx serves the very bytes ours renders, as a static file.
      const script = execFileSync('ip', ['netns', 'exec', this.h.cli.ns, 'curl', '-sf', `http://${this.ip}${SCRIPT_PATH}`]);
      writeFileSync(join(this.www, SCRIPT_PATH), script, { mode: 0o644 });
      return { server: staticServer === 'nginx' ? 'metalflow (nginx front)' : 'metalflow', ...(await this.http()) };
    } finally {
      await p.stop();
    }
  }

  async nginx(): Promise<ThroughputColumn> {
    const conf = join(this.h.dir, 'nginx.conf');
    mkdirSync(join(this.h.dir, 'nginx'), { mode: 0o755 });
    const tmp = (k: string): string => `${k}_temp_path ${join(this.h.dir, 'nginx', k)};`;
    // Debian's defaults for static files (sendfile, tcp_nopush, a worker per core), no access log (ours logs to /dev/null).
    writeFileSync(
      conf,
      `worker_processes auto;
pid ${join(this.h.dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(tmp).join('\n  ')}
  server {
    listen ${this.ip}:80;
    listen ${this.ip}:8083 ssl;
    ssl_certificate ${this.cert};
    ssl_certificate_key ${this.key};
    root ${this.www};
  }
}
`,
    );
    const p = this.h.procs.start(this.h.srv.ns, 'nginx', ['nginx', '-g', 'daemon off;', '-p', join(this.h.dir, 'nginx'), '-e', 'stderr', '-c', conf]);
    try {
      await this.h.listening(p, 8083, 'nginx', 'tcp');
      return { server: 'nginx', ...(await this.http()) };
    } finally {
      await p.stop();
    }
  }

  private async http(): Promise<Omit<ThroughputColumn, 'server'>> {
    const { seconds, streams, connections } = this.o;
    const stream = (scheme: string, port: number): Promise<StreamResult> => this.h.load('http-stream', ['http-stream', `${scheme}://${this.ip}:${port}${IMAGE_PATH}`, streams, seconds]);
    const rps = (port: number, tls: boolean): Promise<RpsResult> => this.h.load('http-rps', ['http-rps', this.ip, port, tls ? 1 : 0, SCRIPT_PATH, connections, seconds]);
    return { image: await stream('http', 80), imageTls: await stream('https', 8083), script: await rps(80, false), scriptTls: await rps(8083, true) };
  }

  /** One lock-step client against a TFTP server the caller started (and stops). */
  async tftp(server: string, p: NsProcess): Promise<ThroughputColumn> {
    await this.h.listening(p, 69, server);
    return { server, tftp: await this.h.load('tftp-single', ['tftp-single', this.ip, TFTP_SINGLE.name, TFTP_SINGLE.bytes, this.o.tftpTimes]) };
  }
}

/** `front`: the same server with its supervised nginx in front (HTTP rows only). */
export function throughputTable(ours: ThroughputColumn, front: ThroughputColumn | undefined, peer: ThroughputColumn, oursTftp: ThroughputColumn, peerTftp: ThroughputColumn, o: ThroughputOptions): string {
  const ratio = (a: number | undefined, b: number | undefined): string => (a !== undefined && b ? `${fmt(a / b, 2)}×` : '-');
  const failed = (n: number | undefined): string => (n ? ` (${n} failed)` : '');
  const cell = (v: number | undefined, f: number | undefined, digits: number): string => (v === undefined ? '-' : `${fmt(v, digits)}${failed(f)}`);
  type Pick = (c: ThroughputColumn) => { v: number | undefined; f: number | undefined };
  const row = (name: string, pick: Pick, digits = 0, a = ours, b = peer, withFront = true): string => {
    const [x, y, z] = [pick(a), withFront && front ? pick(front) : { v: undefined, f: undefined }, pick(b)];
    return `| ${name} | ${cell(x.v, x.f, digits)} | ${cell(y.v, y.f, digits)} | ${cell(z.v, z.f, digits)} | ${ratio(x.v, z.v)} | ${ratio(y.v, z.v)} |`;
  };
  return [
    '| | metalflow (Node) | metalflow (nginx front) | nginx / tftpd-hpa | Node ÷ peer | nginx front ÷ peer |',
    '|---|---|---|---|---|---|',
    row(`HTTP image MiB/s (1 GiB, ${o.streams} curl at once)`, (c) => ({ v: c.image?.mibPerSecond, f: c.image?.failed })),
    row('HTTPS image MiB/s (vmedia TLS port)', (c) => ({ v: c.imageTls?.mibPerSecond, f: c.imageTls?.failed })),
    row(`HTTP iPXE script req/s (${o.connections} keep-alive connections)`, (c) => ({ v: c.script?.perSecond, f: c.script?.failed })),
    row('HTTPS iPXE script req/s', (c) => ({ v: c.scriptTls?.perSecond, f: c.scriptTls?.failed })),
    row(`TFTP MiB/s, one atftp client, 20 MiB, blksize 1468, lock-step (${o.tftpTimes} reads)`, (c) => ({ v: c.tftp?.mibPerSecond, f: c.tftp?.failed }), 1, oursTftp, peerTftp, false),
    '',
    `- ${o.seconds} s per HTTP figure; image: ${o.streams} curl (-k) downloads of a 1 GiB sparse file at once, cut at ${o.seconds} s; scripts: one Node client, ${o.connections} keep-alive connections each sending its next GET when the answer is in (no pipelining), ~700-byte agent script (nginx: the same bytes as a static file)`,
    '- nginx: Debian nginx, worker_processes auto, sendfile on, tcp_nopush on, access_log off; TLS: RSA 2048 self-signed on both; metalflow: the boot worker\'s HTTP server (startBootServices, plain 80 + vmedia TLS 8083), logging at info to /dev/null; nginx front: the same with METALFLOW_BOOT_STATIC_SERVER=nginx (nginx on the ports; files by X-Accel-Redirect from the Node handler on a unix socket; per-MAC scripts pre-rendered to files, their request lines logged by the boot worker)',
  ].join('\n');
}
