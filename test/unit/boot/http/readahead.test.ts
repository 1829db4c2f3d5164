/**
 * What slow readers can make the HTTP boot server hold: LARGE_CHUNK_STREAMS streams at once read
 * FILE_CHUNK_BYTES at a time, the rest SMALL_CHUNK_BYTES, so file data buffered for readers that
 * do not read stays within FILE_BUFFER_WORST_BYTES however many connect.
 */
import { openSync, closeSync, ftruncateSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONNECTIONS, listenHttp, portOf } from '../../../../src/agent/http-server.js';
import { BootConfigStore } from '../../../../src/boot/boot-config.js';
import { httpBootHandler } from '../../../../src/boot/http/http-boot.js';
import { FILE_BUFFER_WORST_BYTES, FILE_CHUNK_BYTES, LARGE_CHUNK_STREAMS, ReadaheadBudget, SMALL_CHUNK_BYTES } from '../../../../src/boot/http/readahead.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'http-readahead-'));
const budget = new ReadaheadBudget(2);
let server: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  for (const d of ['agent', 'images', 'firmware']) mkdirSync(join(dir, d));
  // Larger than loopback's socket buffers can absorb, so a reader that never reads keeps its stream open.
  const fd = openSync(join(dir, 'images', 'huge.raw'), 'w');
  ftruncateSync(fd, 64 * 1024 * 1024);
  closeSync(fd);
  server = await listenHttp(
    httpBootHandler({
      store: new BootConfigStore(),
      baseUrl: 'http://10.0.0.1',
      agent: { agentBaseUrl: 'http://10.0.0.1/agent', kernel: 'k', initramfs: 'i', apiUrl: 'http://10.0.0.1:6385', insecure: true, extraKernelParams: '' },
      dirs: { agent: join(dir, 'agent'), images: join(dir, 'images'), firmware: join(dir, 'firmware') },
      readahead: budget,
    }),
    0,
    '127.0.0.1',
  );
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  removeTempDir(dir);
});

describe('HTTP boot readahead budget', () => {
  it('gives large chunks to at most its streams, small ones to the rest, and frees them when readers go', async () => {
    for (let i = 0; i < 5; i++) {
      const s = connect(portOf(server), '127.0.0.1');
      s.on('error', () => undefined);
      s.pause(); // a reader that never reads
      s.write('GET /images/huge.raw HTTP/1.1\r\nHost: x\r\n\r\n');
      sockets.push(s);
    }
    await expect.poll(() => budget.streams(), { timeout: 10_000, interval: 50 }).toEqual({ large: 2, small: 3 });
    for (const s of sockets.splice(0)) s.destroy();
    await expect.poll(() => budget.streams(), { timeout: 10_000, interval: 50 }).toEqual({ large: 0, small: 0 });
  });

  it(`bounds what slow readers can buffer: FILE_BUFFER_WORST_BYTES (${FILE_BUFFER_WORST_BYTES / 2 ** 20} MiB) ≤ 128 MiB`, () => {
    // Two chunks per stream (one read, one queued on the socket); one handler serves up to three listeners.
    expect(FILE_BUFFER_WORST_BYTES).toBe(2 * (LARGE_CHUNK_STREAMS * FILE_CHUNK_BYTES + (3 * MAX_CONNECTIONS - LARGE_CHUNK_STREAMS) * SMALL_CHUNK_BYTES));
    expect(FILE_BUFFER_WORST_BYTES).toBeLessThanOrEqual(128 * 2 ** 20);
    expect(new ReadaheadBudget()['largeStreams']).toBe(LARGE_CHUNK_STREAMS);
  });
});
