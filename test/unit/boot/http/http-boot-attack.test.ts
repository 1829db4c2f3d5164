/**
 * The HTTP boot server against a corpus of malformed requests, as any machine on the provisioning
 * network can send them: each gets its error status (or the connection is closed), nothing reaches
 * an unhandled rejection, and a normal request still succeeds afterwards.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp, portOf } from '../../../../src/agent/http-server.js';
import { BootConfigStore } from '../../../../src/boot/boot-config.js';
import { httpBootHandler } from '../../../../src/boot/http/http-boot.js';
import { get, itAnswersEach, rawRequest, trackRejections, type Attack } from '../../../helpers/raw-http.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'http-boot-attack-'));
const rejections = trackRejections();
const logs: string[] = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  for (const d of ['agent', 'images', 'firmware']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'images', 'os.raw'), Buffer.alloc(100_000, 7));
  const store = new BootConfigStore();
  store.set({ mac: '52:54:00:00:00:01', uuid: 'u1', name: 'host-1', action: 'local' });
  server = await listenHttp(
    httpBootHandler({
      store,
      log: (level, m) => void logs.push(`${level} ${m}`),
      baseUrl: 'http://10.0.0.1',
      agent: { agentBaseUrl: 'http://10.0.0.1/agent', kernel: 'k', initramfs: 'i', apiUrl: 'http://10.0.0.1:6385', insecure: true, extraKernelParams: '' },
      dirs: { agent: join(dir, 'agent'), images: join(dir, 'images'), firmware: join(dir, 'firmware') },
    }),
    0,
    '127.0.0.1',
    { log: (level, m) => void logs.push(`${level} ${m}`) },
  );
  port = portOf(server);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  removeTempDir(dir);
});

const corpus: Attack[] = [
  ['bad percent-encoding /%', get('/%'), [400]],
  ['bad percent-encoding /%zz', get('/%zz'), [400]],
  ['truncated UTF-8 escape', get('/images/%E0%A4%A'), [400]],
  ['authority-like target //[', get('//['), [400]],
  ['asterisk-form *', get('*'), [400]],
  ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n', [400]],
  ['absolute-form http://evil/x', get('http://evil/x'), [400]],
  ['encoded NUL', get('/images/os.raw%00.txt'), [400]],
  ['raw NUL in the target', get('/images/a\0b'), [400]],
  ['encoded newline (log injection)', get('/images/a%0d%0aforged'), [400]],
  ['8 KiB path', get(`/images/${'a'.repeat(8 * 1024)}`), [414, 431]],
  ['64 KiB path', get(`/${'a'.repeat(64 * 1024)}`), [414, 431]],
  ['huge header', get('/boot.ipxe', `X-Big: ${'b'.repeat(100 * 1024)}\r\n`), [431]],
  ['10 000 headers', get('/boot.ipxe', 'X-H: v\r\n'.repeat(10_000)), [431]],
  ['POST with a huge body', `POST /boot.ipxe HTTP/1.1\r\nHost: t\r\nContent-Length: 1073741824\r\n\r\n${'x'.repeat(1000)}`, [405, 413]],
  ['GET with a body', `GET /boot.ipxe HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n\r\nxx`, [413]],
  ['non-numeric Content-Length', 'GET /boot.ipxe HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n', [400]],
  ['two different Content-Lengths', 'POST /boot.ipxe HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', [400]],
  ['Content-Length with chunked', 'POST /boot.ipxe HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', [400]],
  ['chunked garbage', 'POST /boot.ipxe HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n', [400, 405, 413]],
  ['unknown method', 'BREW /boot.ipxe HTTP/1.1\r\nHost: t\r\n\r\n', [400, 405]],
  ['DELETE', 'DELETE /images/os.raw HTTP/1.1\r\nHost: t\r\n\r\n', [405]],
  ['no Host header', 'GET /boot.ipxe HTTP/1.1\r\n\r\n', [400]],
  ['garbage request line', 'hello\r\n\r\n', [400]],
  ['binary junk', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 97) % 256)), [400]],
  ['path traversal', get('/images/..%2f..%2fetc%2fpasswd'), [403, 404]],
];

describe('HTTP boot server: malformed requests', () => {
  itAnswersEach(corpus, () => port);

  it('is still serving after the corpus, and nothing reached an unhandled rejection', async () => {
    await new Promise((r) => setTimeout(r, 50));
    expect(rejections).toEqual([]);
    expect((await rawRequest(port, get('/boot.ipxe'))).status).toBe(200);
    const image = await rawRequest(port, get('/images/os.raw'));
    expect(image.status).toBe(200);
    expect(image.head).toMatch(/content-length: 100000/i);
  });

  it('a client that hangs up mid-download does not disturb the server', async () => {
    for (let i = 0; i < 20; i++) await rawRequest(port, get('/images/os.raw'), 1).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(rejections).toEqual([]);
    expect((await rawRequest(port, get('/images/os.raw'))).status).toBe(200);
  });
});
