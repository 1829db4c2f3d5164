import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TftpServer } from '../../../../src/boot/tftp/server.js';
import { encodeRequest } from '../../../../src/boot/tftp/packets.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';
import { tftpGet } from '../../../helpers/tftp-client.js';

const dir = mkdtempSync(join(tmpdir(), 'tftp-'));
const root = join(dir, 'root');
const firmware = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251));
let server: TftpServer;

beforeAll(async () => {
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'snponly.efi'), firmware);
  writeFileSync(join(root, 'exact.bin'), Buffer.alloc(1024, 1)); // a multiple of 512: ends with an empty block
  writeFileSync(join(root, 'sub', 'nested.txt'), 'nested');
  writeFileSync(join(dir, 'secret.txt'), 'outside the root');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'escape'));
  server = new TftpServer({ root, port: 0, bindAddress: '127.0.0.1', timeoutMs: 200, retries: 5 });
  await server.start();
});
afterAll(async () => {
  await server.close();
  removeTempDir(dir);
});

describe('TFTP server', () => {
  it('serves a file with the defaults (512-byte blocks, lock-step)', async () => {
    const r = await tftpGet(server.port(), 'snponly.efi');
    expect(r.data?.equals(firmware)).toBe(true);
  });

  it('negotiates blksize, tsize, timeout and windowsize in an OACK', async () => {
    const r = await tftpGet(server.port(), '/snponly.efi', { options: { blksize: '1468', tsize: '0', timeout: '3', windowsize: '4' } });
    expect(Object.fromEntries(r.oack ?? [])).toEqual({ blksize: '1468', tsize: String(firmware.length), timeout: '3', windowsize: '4' });
    expect(r.data?.equals(firmware)).toBe(true);
  });

  it('sends the empty last block of an exact multiple', async () => {
    const r = await tftpGet(server.port(), 'exact.bin');
    expect(r.data?.length).toBe(1024);
    expect(r.packets).toBe(3);
  });

  it('recovers lost blocks by retransmission, also inside a window', async () => {
    const lossy = (b: number, seen: number): boolean => seen === 1 && b % 40 === 3;
    expect((await tftpGet(server.port(), 'snponly.efi', { drop: lossy })).data?.equals(firmware)).toBe(true);
    expect((await tftpGet(server.port(), 'snponly.efi', { options: { windowsize: '8', blksize: '1024' }, drop: lossy })).data?.equals(firmware)).toBe(true);
  }, 30_000);

  it('takes a PXE ROM aborting after the tsize OACK, then serves its second request', async () => {
    const first = await tftpGet(server.port(), 'snponly.efi', { options: { tsize: '0' }, abortAfterOack: true });
    expect(first.oack?.get('tsize')).toBe(String(firmware.length));
    expect((await tftpGet(server.port(), 'snponly.efi', { options: { blksize: '1456' } })).data?.equals(firmware)).toBe(true);
  });

  it('rolls the block number over past 65535', async () => {
    const big = Buffer.alloc(70_000 * 8 + 3, 9);
    writeFileSync(join(root, 'big.bin'), big);
    const r = await tftpGet(server.port(), 'big.bin', { options: { blksize: '8', windowsize: '64' }, timeoutMs: 60_000 });
    expect(r.data?.length).toBe(big.length);
  }, 90_000);

  it.each([
    ['../secret.txt', 2],
    ['sub/../../secret.txt', 2],
    ['..\\secret.txt', 2],
    ['/etc/passwd', 1],
    ['escape', 2], // a symlink out of the root
    ['missing.efi', 1],
    ['sub', 1], // a directory
  ])('refuses %s (error %i)', async (name, code) => {
    expect((await tftpGet(server.port(), name)).error?.code).toBe(code);
  });

  it('is read-only', async () => {
    const sock = createSocket('udp4');
    try {
      const answer = new Promise<Buffer>((res) => sock.once('message', (m) => res(m)));
      sock.send(encodeRequest('wrq', 'upload.bin'), server.port(), '127.0.0.1');
      const m = await answer;
      expect(m.readUInt16BE(0)).toBe(5);
      expect(m.readUInt16BE(2)).toBe(2);
    } finally {
      sock.close();
    }
  });

  it('survives 5000 malformed datagrams and still serves', async () => {
    const sock = createSocket('udp4');
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    try {
      const send = (b: Buffer): Promise<void> => new Promise((r) => sock.send(b, server.port(), '127.0.0.1', () => r()));
      const valid = encodeRequest('rrq', 'snponly.efi', 'octet', new Map([['blksize', '1024']]));
      for (let i = 0; i < 5000; i++) {
        let b: Buffer;
        if (i % 3 === 0) b = Buffer.from(Array.from({ length: 1 + rand(600) }, () => rand(256)));
        else if (i % 3 === 1) b = Buffer.from(valid.subarray(0, rand(valid.length)));
        else {
          b = Buffer.from(valid);
          for (let k = 0; k < 1 + rand(4); k++) b[rand(b.length)] = rand(256);
        }
        if (b.length > 0) await send(b);
        if (i % 25 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      await new Promise((r) => setTimeout(r, 500));
      expect(server.stats.malformed).toBeGreaterThan(1000);
      expect((await tftpGet(server.port(), 'snponly.efi')).data?.equals(firmware)).toBe(true);
    } finally {
      sock.close();
    }
  }, 60_000);
});
