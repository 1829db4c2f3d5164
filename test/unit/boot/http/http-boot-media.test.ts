import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp, portOf } from '../../../../src/agent/http-server.js';
import { BootConfigStore } from '../../../../src/boot/boot-config.js';
import { httpBootHandler } from '../../../../src/boot/http/http-boot.js';
import { MediaPublications, mediaPath } from '../../../../src/boot/media/media-publications.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'http-media-'));
const iso = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
let t = 0;
const media = new MediaPublications({ now: () => t, ttlMs: 1000 });
let server: Server;
let base = '';

beforeAll(async () => {
  writeFileSync(join(dir, 'a.iso'), iso);
  server = await listenHttp(
    httpBootHandler({
      store: new BootConfigStore(),
      baseUrl: 'http://10.0.0.1',
      agent: { agentBaseUrl: 'http://10.0.0.1/agent', kernel: 'k', initramfs: 'i', apiUrl: 'http://10.0.0.1:6385' },
      dirs: { agent: dir, images: dir, firmware: dir },
      media,
    }),
    0,
    '127.0.0.1',
  );
  base = `http://127.0.0.1:${portOf(server)}`;
});
afterAll(async () => {
  media.close();
  await new Promise((r) => server.close(r));
  removeTempDir(dir);
});

const get = async (path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') => {
  const res = await request(`${base}${path}`, { headers, method });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
};

describe('HTTP boot server: published agent ISOs', () => {
  it('serves a published ISO whole, by range and HEAD; 404 for any other token and after revocation or expiry', async () => {
    t = 0;
    const token = media.publish({ uuid: 'u1', session: 's1' }, join(dir, 'a.iso'));
    const whole = await get(mediaPath(token));
    expect(whole.status).toBe(200);
    expect(whole.body.equals(iso)).toBe(true);
    const part = await get(mediaPath(token), { range: 'bytes=4096-' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 4096-4999/5000');
    expect(part.body.equals(iso.subarray(4096))).toBe(true);
    const head = await get(mediaPath(token), {}, 'HEAD');
    expect(head.headers['content-length']).toBe('5000');
    for (const p of [`/media/${token}/other.iso`, `/media/${token.slice(1)}A/agent.iso`, '/media/a.iso', '/media/../a.iso', `/media/${token}`]) expect((await get(p)).status, p).toBe(404);
    t = 1000;
    expect((await get(mediaPath(token))).status).toBe(404);
    t = 0;
    expect((await get(mediaPath(token))).status).toBe(200);
    await media.revoke('u1', 's1');
    expect((await get(mediaPath(token))).status).toBe(404);
  });
});
