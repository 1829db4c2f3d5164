import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp, portOf } from '../../../../src/agent/http-server.js';
import { BootConfigStore } from '../../../../src/boot/boot-config.js';
import { FILE_CHUNK_BYTES, httpBootHandler, parseRange } from '../../../../src/boot/http/http-boot.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'http-boot-'));
const image = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 256));
const big = Buffer.alloc(3 * FILE_CHUNK_BYTES + 1, 0x5a);
const store = new BootConfigStore();
const logged: Array<[string, string]> = [];
let server: Server;
let base = '';

beforeAll(async () => {
  for (const d of ['agent', 'images', 'firmware']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'images', 'os.raw'), image);
  writeFileSync(join(dir, 'images', 'big.raw'), big);
  writeFileSync(join(dir, 'agent', 'ipa.kernel'), 'kernel');
  writeFileSync(join(dir, 'secret'), 'outside');
  store.set({ mac: '52:54:00:00:00:01', uuid: 'u1', name: 'host-1', action: 'agent', inspect: true });
  store.set({ mac: '52:54:00:00:00:03', uuid: 'u3', name: 'host-3', action: 'agent' });
  store.set({ mac: '52:54:00:00:00:02', uuid: 'u2', name: 'host-2', action: 'local' });
  server = await listenHttp(
    httpBootHandler({
      store,
      log: (level, message) => void logged.push([level, message]),
      baseUrl: 'http://10.0.0.1',
      agent: { agentBaseUrl: 'http://10.0.0.1/agent', kernel: 'ipa.kernel', initramfs: 'ipa.initramfs', apiUrl: 'http://10.0.0.1:6385', insecure: true, extraKernelParams: 'console=ttyS0' },
      dirs: { agent: join(dir, 'agent'), images: join(dir, 'images'), firmware: join(dir, 'firmware') },
    }),
    0,
    '127.0.0.1',
  );
  base = `http://127.0.0.1:${portOf(server)}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  removeTempDir(dir);
});

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await request(`${base}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
};

describe('HTTP boot server', () => {
  it('serves the agent script with the kernel command line IPA reads', async () => {
    const r = await get('/ipxe/52-54-00-00-00-01/boot.ipxe');
    const s = r.body.toString();
    expect(s.startsWith('#!ipxe')).toBe(true);
    expect(s).toContain('kernel --timeout 60000 http://10.0.0.1/agent/ipa.kernel ipa-api-url=http://10.0.0.1:6385 ipa-inspection-callback-url=http://10.0.0.1:6385/v1/continue_inspection BOOTIF=${mac} ipa-insecure=1 initrd=ipa.initramfs console=ttyS0');
    expect(s).toContain('initrd --timeout 60000 http://10.0.0.1/agent/ipa.initramfs');
  });

  it('names the inspection callback only on inspection boots, as Ironic does', async () => {
    const s = (await get('/ipxe/52:54:00:00:00:03/boot.ipxe')).body.toString();
    expect(s).toContain('kernel --timeout 60000 http://10.0.0.1/agent/ipa.kernel ipa-api-url=http://10.0.0.1:6385 BOOTIF=${mac} ipa-insecure=1 initrd=ipa.initramfs console=ttyS0');
    expect(s).not.toContain('ipa-inspection-callback-url');
  });

  it('boots known hosts without an agent session, and unknown MACs, from the local disk', async () => {
    for (const mac of ['52:54:00:00:00:02', '52:54:00:00:00:99']) {
      const s = (await get(`/ipxe/${mac}/boot.ipxe`)).body.toString();
      expect(s).toContain('sanboot --no-describe --drive 0x80');
      expect(s).not.toContain('kernel');
    }
    expect((await get('/ipxe/not-a-mac/boot.ipxe')).status).toBe(400);
  });

  it('serves a script as the boot configuration is now, however often it was served before', async () => {
    const mac = '52:54:00:00:00:04';
    store.set({ mac, uuid: 'u4', name: 'host-4', action: 'agent' });
    const script = async (): Promise<string> => (await get(`/ipxe/${mac}/boot.ipxe`)).body.toString();
    expect(await script()).toContain('kernel --timeout 60000');
    expect(await script()).not.toContain('ipa-inspection-callback-url');
    store.set({ mac, uuid: 'u4', name: 'host-4', action: 'agent', inspect: true });
    expect(await script()).toContain('ipa-inspection-callback-url');
    store.bootLocal(mac); // changes the stored target in place
    expect(await script()).toContain('sanboot');
    store.set({ mac, uuid: 'u4', name: 'host-4', action: 'agent' });
    expect(await script()).not.toContain('ipa-inspection-callback-url');
    store.forget(mac);
    expect(await script()).toContain('sanboot');
  });

  it('logs the generic chain script at debug (every machine asks for it first), a machine\'s own script and files at info (operators follow a boot by them)', async () => {
    logged.length = 0;
    await get('/boot.ipxe');
    expect(logged.filter(([level]) => level !== 'debug')).toEqual([]);
    await get('/ipxe/52:54:00:00:00:03/boot.ipxe');
    await get('/images/os.raw');
    expect(logged.filter(([level]) => level === 'info').map(([, m]) => m)).toEqual([expect.stringContaining('GET /ipxe/52:54:00:00:00:03/boot.ipxe'), expect.stringContaining('GET /images/os.raw')]);
  });

  it('streams a file of several read chunks whole', async () => {
    const r = await get('/images/big.raw');
    expect(r.status).toBe(200);
    expect(r.body.equals(big)).toBe(true);
  });

  it('chains the generic script to the per-MAC one', async () => {
    expect((await get('/boot.ipxe')).body.toString()).toContain('chain http://10.0.0.1/ipxe/${net0/mac}/boot.ipxe');
  });

  it('serves files whole and by byte range', async () => {
    const whole = await get('/images/os.raw');
    expect(whole.status).toBe(200);
    expect(whole.body.equals(image)).toBe(true);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const part = await get('/images/os.raw', { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 100-199/10000');
    expect(part.body.equals(image.subarray(100, 200))).toBe(true);
    const tail = await get('/images/os.raw', { range: 'bytes=-10' });
    expect(tail.body.equals(image.subarray(9990))).toBe(true);
    const bad = await get('/images/os.raw', { range: 'bytes=20000-' });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe('bytes */10000');
  });

  it('refuses paths outside its directories', async () => {
    expect((await get('/images/../secret')).status).toBe(404); // normalised away by the URL parser
    expect((await get('/images/..%2fsecret')).status).toBe(403);
    expect((await get('/images/%2e%2e%2fsecret')).status).toBe(403);
    expect((await get('/images/missing.raw')).status).toBe(404);
  });

  it.each([
    [undefined, undefined],
    ['bytes=0-0', [0, 0]],
    ['bytes=5-', [5, 99]],
    ['bytes=-5', [95, 99]],
    ['bytes=90-200', [90, 99]],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=5-4', 'unsatisfiable'],
    ['bytes=1-2,4-5', undefined],
    ['items=1-2', undefined],
  ])('parses Range %s', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});
