/**
 * The boot HTTP server with `staticServer: 'nginx'`: a real Debian nginx, supervised by the boot
 * services, listening on the boot ports. Files are streamed by nginx (whole and by range, plain and
 * TLS), iPXE scripts and every lookup are answered by the Node handler behind it (whose log line a
 * network boot is followed by), nginx is restarted after a kill -9, its caps answer 4xx without
 * taking it down, traversal is refused, and nothing is left when the services close.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../lab/processes.js';
import { BootConfigStore } from '../../../src/boot/boot-config.js';
import { nginxDirFor, startBootServices, type BootServicesSettings, type RunningBootServices } from '../../../src/boot/boot-services.js';
import { mediaPath } from '../../../src/boot/media/media-publications.js';
import { NGINX_MAX_BODY_BYTES, NGINX_MAX_CONNECTIONS_PER_CLIENT, NGINX_MAX_HEADER_LINE_BYTES } from '../../../src/boot/http/nginx-config.js';
import { ensureGeneratedMaterial, type GeneratedMaterial } from '../../../src/tls/generated-material.js';
import { startBootServicesIn } from '../../helpers/boot-services-process.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { removeTempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/until.js';

const MAC = '52:54:00:ab:cd:01';
const dir = mkdtempSync(join(tmpdir(), 'metalflow-nginx-front-'));
const image = Buffer.alloc(3 * 1024 * 1024 + 17);
for (let i = 0; i < image.length; i++) image[i] = (i * 7 + (i >> 12)) & 0xff;
const logs: string[] = [];
let m: GeneratedMaterial;
let trusting: Agent;
let running: RunningBootServices | undefined;
const store = new BootConfigStore();
let plainPort = 0;
let tlsPort = 0;

/** Running (a zombie waiting for init to reap it holds nothing). */
const pidAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

const settings = (): BootServicesSettings => ({
  bootIp: '127.0.0.1',
  http: { host: '127.0.0.1', port: plainPort, agentDir: join(dir, 'agent'), imagesDir: join(dir, 'images'), firmwareDir: join(dir, 'fw'), staticServer: 'nginx' },
  tls: { vmediaPort: tlsPort },
  agent: { kernel: 'k', initramfs: 'i', extraKernelParams: '', insecure: false },
  apiUrl: 'https://127.0.0.1:6385',
});

beforeAll(async () => {
  m = await ensureGeneratedMaterial(join(dir, 'tls'), ['127.0.0.1']);
  trusting = new Agent({ connect: { ca: m.caPem } });
  for (const d of ['agent', 'images', 'fw', 'data']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'images', 'disk.img'), image);
  writeFileSync(join(dir, 'agent', 'k'), 'KERNEL');
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(dir, 'images', 'out.img'));
  plainPort = await freePort();
  tlsPort = await freePort();
  const s = settings();
  store.set({ mac: MAC, uuid: 'u-1', name: 'ns/h', action: 'agent' });
  running = await startBootServices(s, store, join(dir, 'data'), (level, message) => void logs.push(`${level} ${message}`), 'default', { cert: m.certPem, key: m.keyPem });
}, 30_000);

afterAll(async () => {
  await running?.close();
  await trusting?.close();
  removeTempDir(dir);
});

describe('boot HTTP behind a supervised nginx', () => {
  it('streams an image whole and by range, plain and over TLS, from nginx', async () => {
    const whole = await request(`http://127.0.0.1:${plainPort}/images/disk.img`);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers.server).toMatch(/nginx/);
    expect(Buffer.from(await whole.body.arrayBuffer()).equals(image)).toBe(true);
    const part = await request(`http://127.0.0.1:${plainPort}/images/disk.img`, { headers: { range: 'bytes=1000-1999' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${image.length}`);
    expect(Buffer.from(await part.body.arrayBuffer()).equals(image.subarray(1000, 2000))).toBe(true);
    const tls = await request(`https://127.0.0.1:${tlsPort}/images/disk.img`, { dispatcher: trusting, headers: { range: 'bytes=-10' } });
    expect(tls.statusCode).toBe(206);
    expect(Buffer.from(await tls.body.arrayBuffer()).equals(image.subarray(image.length - 10))).toBe(true);
    const head = await request(`http://127.0.0.1:${plainPort}/agent/k`, { method: 'HEAD' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe('6');
    await head.body.dump();
    // The boot worker still logs the machine's files at info.
    expect(logs.some((l) => /^info http: GET \/images\/disk\.img from 127\.0\.0\.1$/.test(l))).toBe(true);
  });

  it('streams a published agent ISO by its token (virtual media), and nothing for a wrong token', async () => {
    const iso = join(dir, 'data', 'published.iso');
    writeFileSync(iso, image.subarray(0, 4096));
    const token = running?.media?.publications.publish({ uuid: 'u-1', session: 's-1' }, iso);
    if (!token) throw new Error('no media publications');
    const res = await request(`https://127.0.0.1:${tlsPort}${mediaPath(token)}`, { dispatcher: trusting, headers: { range: 'bytes=0-99' } });
    expect(res.statusCode).toBe(206);
    expect(Buffer.from(await res.body.arrayBuffer()).equals(image.subarray(0, 100))).toBe(true);
    const wrong = await request(`https://127.0.0.1:${tlsPort}${mediaPath('A'.repeat(token.length))}`, { dispatcher: trusting });
    expect(wrong.statusCode).toBe(404);
    await wrong.body.dump();
    // The token never reaches a log line.
    expect(logs.some((l) => l.includes(token))).toBe(false);
  });

  it('serves a MAC\'s iPXE script as nginx renders it from the boot configuration, logged by the boot worker at info', async () => {
    const script = async (mac: string): Promise<{ body: string; fromFile: boolean }> => {
      const res = await request(`http://127.0.0.1:${plainPort}/ipxe/${mac}/boot.ipxe`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      // A static file carries Last-Modified; the Node handler's answer does not.
      return { body: await res.body.text(), fromFile: res.headers['last-modified'] !== undefined };
    };
    expect(await script(MAC)).toMatchObject({ fromFile: true, body: expect.stringContaining('metalflow: agent boot') });
    await until('the script request in the boot worker\'s log', () => logs.includes(`info http: GET /ipxe/${MAC}/boot.ipxe from 127.0.0.1`), 10_000);
    // The boot configuration changes what the next request gets, at once.
    store.bootLocal(MAC);
    expect((await script(MAC)).body).toContain('metalflow: local boot');
    store.set({ mac: MAC, uuid: 'u-1', name: 'ns/h', action: 'agent', inspect: true });
    expect((await script(MAC)).body).toContain('ipa-inspection-callback-url');
    // Unknown MACs get the local script, like every other MAC that boots locally.
    expect(await script('52:54:00:00:00:99')).toMatchObject({ fromFile: true, body: expect.stringContaining('metalflow: local boot') });
    // Other spellings of a MAC are the Node handler's (it normalises them).
    expect(await script(MAC.toUpperCase())).toMatchObject({ fromFile: false, body: expect.stringContaining('metalflow: agent boot') });
  });

  it('refuses traversal and symlinks out of the root, and lists no directory', async () => {
    for (const target of ['/images/../secret.txt', '/images/%2e%2e/secret.txt', '/images/..%2fsecret.txt', '/images/out.img', '/images/', '/images', '/.metalflow-file' + join(dir, 'secret.txt')]) {
      const a = await rawRequest(plainPort, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(a.status, target).toBeGreaterThanOrEqual(400);
      expect(a.head, target).not.toContain('SECRET');
    }
  });

  it('answers an oversized header 4xx and an oversized body 413, and stays up', async () => {
    const big = await rawRequest(plainPort, `GET /agent/k HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(NGINX_MAX_HEADER_LINE_BYTES + 1)}\r\nConnection: close\r\n\r\n`);
    expect(big.status).toBeGreaterThanOrEqual(400);
    expect(big.status).toBeLessThan(500);
    const body = await rawRequest(plainPort, `POST /agent/k HTTP/1.1\r\nHost: x\r\nContent-Length: ${NGINX_MAX_BODY_BYTES + 1}\r\nConnection: close\r\n\r\n`);
    expect(body.status).toBe(413);
    const after = await request(`http://127.0.0.1:${plainPort}/agent/k`);
    expect(await after.body.text()).toBe('KERNEL');
  });

  it('answers 503 to a client over NGINX_MAX_CONNECTIONS_PER_CLIENT requests at once, and serves again when they end', async () => {
    // Downloads that do not read hold their request open (nginx blocked on the socket).
    execFileSync('truncate', ['-s', String(256 * 1024 * 1024), join(dir, 'images', 'big.img')]);
    const held: Socket[] = [];
    let started = 0;
    try {
      for (let i = 0; i < NGINX_MAX_CONNECTIONS_PER_CLIENT; i++) {
        const sock = connect(plainPort, '127.0.0.1');
        // The first bytes show nginx is sending; then stop reading (pause stops reading the socket).
        sock.once('data', () => {
          sock.pause();
          started++;
        });
        await new Promise((r) => sock.once('connect', r));
        sock.write('GET /images/big.img HTTP/1.1\r\nHost: x\r\n\r\n');
        held.push(sock);
      }
      await until('every held download started', () => started === NGINX_MAX_CONNECTIONS_PER_CLIENT, 15_000);
      const over = await rawRequest(plainPort, 'GET /agent/k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(over.status).toBe(503);
    } finally {
      for (const s of held) s.destroy();
    }
    await until('served again', async () => (await (await request(`http://127.0.0.1:${plainPort}/agent/k`)).body.text()) === 'KERNEL', 10_000);
  });

  it('refuses a second boot worker on the same network and data directory, and the first keeps serving', async () => {
    const second: BootServicesSettings = { ...settings(), http: { ...settings().http!, port: await freePort() } };
    delete second.tls;
    await expect(startBootServices(second, new BootConfigStore(), join(dir, 'data'), () => undefined, 'default')).rejects.toThrow(/belongs to a running boot worker/);
    const r = await request(`http://127.0.0.1:${plainPort}/agent/k`);
    expect(await r.body.text()).toBe('KERNEL');
  });

  it('restarts nginx after a kill -9 of its master, with no worker of the old one left', async () => {
    const front = running?.nginx;
    if (!front) throw new Error('no nginx front');
    const old = front.pid();
    if (old === undefined) throw new Error('nginx not running');
    const oldWorkers = front.groupPids();
    expect(oldWorkers.length).toBeGreaterThan(1);
    process.kill(old, 'SIGKILL');
    await until('nginx restarted', () => front.pid() !== undefined && front.pid() !== old, 15_000);
    await until('the new nginx serving', async () => {
      const r = await request(`http://127.0.0.1:${plainPort}/agent/k`).catch(() => undefined);
      return (await r?.body.text()) === 'KERNEL';
    }, 15_000);
    for (const pid of oldWorkers) expect(pidAlive(pid), `old nginx process ${pid}`).toBe(false);
    expect(logs.some((l) => /^warn nginx .*exited/.test(l))).toBe(true);
  });

  it('keeps its generated configuration private and leaves nothing when closed', async () => {
    const front = running?.nginx;
    if (!front) throw new Error('no nginx front');
    expect(statSync(front.dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(front.dir, 'nginx.conf'), 'utf8')).toContain('autoindex off');
    const pids = front.groupPids();
    await running?.close();
    running = undefined;
    for (const pid of pids) expect(pidAlive(pid), `nginx process ${pid}`).toBe(false);
    expect(existsSync(front.dir)).toBe(false);
    await expect(request(`http://127.0.0.1:${plainPort}/agent/k`)).rejects.toThrow();
  });
});

describe('an nginx left by a boot worker that was killed', () => {
  it('is stopped when the next boot worker starts on the same data directory', async () => {
    const data = join(dir, 'killed');
    const port = await freePort();
    const env = { METALFLOW_HTTP: 'true', METALFLOW_HTTP_PORT: String(port), METALFLOW_BOOT_STATIC_SERVER: 'nginx', METALFLOW_DATA_DIR: data, METALFLOW_AGENT_IMAGE_DIR: join(dir, 'agent') };
    const first = await startBootServicesIn(['env'], env);
    await first.waitFor(/boot services ready/);
    const nginxPid = Number(readFileSync(join(nginxDirFor(data, 'default'), 'nginx.pid'), 'utf8'));
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    expect(pidAlive(nginxPid)).toBe(true); // orphaned, still holding the port
    const plainOnly: BootServicesSettings = { ...settings(), http: { ...settings().http!, port } };
    delete plainOnly.tls;
    const next = await startBootServices(plainOnly, new BootConfigStore(), data, () => undefined, 'default');
    try {
      expect(pidAlive(nginxPid)).toBe(false);
      expect(await (await request(`http://127.0.0.1:${port}/agent/k`)).body.text()).toBe('KERNEL');
    } finally {
      await next.close();
    }
  });
});
