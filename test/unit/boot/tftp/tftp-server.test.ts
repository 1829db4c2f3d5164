import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TftpServer } from '../../../../src/boot/tftp/server.js';
import { TftpError, encodeAck, encodeError, encodeRequest } from '../../../../src/boot/tftp/packets.js';
import { DEFAULT_RETRIES, MAX_BLKSIZE, MAX_RESEND_FACTOR, MAX_TIMEOUT_S, MAX_WINDOWSIZE } from '../../../../src/boot/tftp/limits.js';
import { AddressInUseError } from '../../../../src/net/listen-error.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';
import { TftpPeer, tftpGet, type PeerPacket } from '../../../helpers/tftp-client.js';

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
    // From a source address of its own: the requests it mutates into valid ones hold that client's transfer slots.
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.2', () => r()));
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

describe('TFTP server limits', () => {
  const blocks = (file: Buffer, blksize: number): number => Math.floor(file.length / blksize) + 1;
  const dataBlocks = (ps: PeerPacket[]): number[] => ps.map((p) => (p.pkt.op === 'data' ? p.pkt.block : -1));
  const rrq = (name: string, options: Record<string, string> = {}): Buffer => encodeRequest('rrq', name, 'octet', new Map(Object.entries(options)));
  // A long retransmission timeout: the packets these tests count are the answers to their own ACKs only.
  let quiet: TftpServer;
  let peers: TftpPeer[] = [];
  const peer = async (address?: string): Promise<TftpPeer> => {
    const p = await TftpPeer.open(address);
    peers.push(p);
    return p;
  };
  beforeAll(async () => {
    quiet = new TftpServer({ root, port: 0, bindAddress: '127.0.0.1', timeoutMs: 30_000 });
    await quiet.start();
  });
  afterEach(() => {
    for (const p of peers) p.close();
    peers = [];
  });
  afterAll(async () => {
    await quiet.close();
  });

  it(`declines a timeout above ${MAX_TIMEOUT_S} s (RFC 2349: echo it or leave it out) and accepts one within`, async () => {
    const long = await tftpGet(server.port(), 'snponly.efi', { options: { timeout: '255', tsize: '0' } });
    expect(Object.fromEntries(long.oack ?? [])).toEqual({ tsize: String(firmware.length) });
    expect(long.data?.equals(firmware)).toBe(true);
    const max = await tftpGet(server.port(), 'snponly.efi', { options: { timeout: String(MAX_TIMEOUT_S) } });
    expect(max.oack?.get('timeout')).toBe(String(MAX_TIMEOUT_S));
  });

  it(`clamps windowsize to ${MAX_WINDOWSIZE} and blksize to ${MAX_BLKSIZE} in the OACK`, async () => {
    const r = await tftpGet(server.port(), 'snponly.efi', { options: { windowsize: '65535', blksize: '65464' } });
    expect(Object.fromEntries(r.oack ?? [])).toEqual({ windowsize: String(MAX_WINDOWSIZE), blksize: String(MAX_BLKSIZE) });
    expect(r.data?.equals(firmware)).toBe(true);
  });

  it('answers a duplicate ACK with nothing (lock-step: no Sorcerer’s Apprentice)', async () => {
    const p = await peer();
    p.send(rrq('snponly.efi'), quiet.port());
    const first = await p.next();
    expect(first.pkt).toMatchObject({ op: 'data', block: 1 });
    p.send(encodeAck(1), first.port);
    expect((await p.next()).pkt).toMatchObject({ op: 'data', block: 2 });
    p.send(encodeAck(1), first.port); // duplicate
    p.send(encodeAck(2), first.port);
    expect((await p.next()).pkt).toMatchObject({ op: 'data', block: 3 }); // not block 2 again
  });

  it('gives a stranger writing to a transfer\'s port nothing (its socket is connected to its client, as tftpd-hpa\'s), and the transfer goes on', async () => {
    const p = await peer();
    const stranger = await peer();
    p.send(rrq('snponly.efi'), quiet.port());
    const first = await p.next();
    expect(first.pkt).toMatchObject({ op: 'data', block: 1 });
    stranger.send(encodeAck(1), first.port);
    stranger.send(rrq('missing.efi'), quiet.port());
    // The first answer the stranger gets is the listening port's, not an ERROR from the transfer.
    expect((await stranger.next()).pkt).toMatchObject({ op: 'error', code: TftpError.fileNotFound });
    p.send(encodeAck(1), first.port);
    expect((await p.next()).pkt).toMatchObject({ op: 'data', block: 2 });
  });

  it('answers a duplicate ACK inside a window with nothing, and a gap ACK with one new window (RFC 7440)', async () => {
    const p = await peer();
    p.send(rrq('snponly.efi', { windowsize: '4' }), quiet.port());
    const oack = await p.next();
    expect(oack.pkt.op).toBe('oack');
    const take = async (n: number): Promise<PeerPacket[]> => {
      const out: PeerPacket[] = [];
      for (let i = 0; i < n; i++) out.push(await p.next());
      return out;
    };
    p.send(encodeAck(0), oack.port);
    p.send(encodeAck(0), oack.port); // duplicate of the OACK's ACK
    expect(dataBlocks(await take(4))).toEqual([1, 2, 3, 4]);
    expect(await p.drain()).toEqual([]);
    p.send(encodeAck(2), oack.port); // 3 and 4 lost: the window restarts after 2
    p.send(encodeAck(2), oack.port);
    expect(dataBlocks(await take(4))).toEqual([3, 4, 5, 6]);
    expect(await p.drain()).toEqual([]);
  });

  it(`gives up a transfer that makes it resend more than ${MAX_RESEND_FACTOR}× its blocks`, async () => {
    const file = firmware.subarray(0, 512 * 63 + 100); // 64 blocks
    writeFileSync(join(root, 'resend.bin'), file);
    const p = await peer();
    p.send(rrq('resend.bin', { windowsize: String(MAX_WINDOWSIZE) }), quiet.port());
    const oack = await p.next();
    // A client that takes one block of each window: every ACK draws a whole window again.
    let acked = 0;
    let received = 0;
    let ended: PeerPacket['pkt'] | undefined;
    p.send(encodeAck(0), oack.port);
    while (!ended && acked < blocks(file, 512)) {
      const burst = await p.drain();
      received += burst.filter((b) => b.pkt.op === 'data').length;
      ended = burst.find((b) => b.pkt.op === 'error')?.pkt;
      acked++;
      if (!ended) p.send(encodeAck(acked), oack.port);
    }
    expect(ended).toMatchObject({ op: 'error' });
    // The file once, plus the resend budget (the factor × its blocks, a window per retry).
    expect(received).toBeLessThanOrEqual(64 + MAX_RESEND_FACTOR * 64 + (DEFAULT_RETRIES + 1) * MAX_WINDOWSIZE);
    expect(received).toBeLessThan(64 * MAX_WINDOWSIZE); // what the client would have drawn without the cap
  }, 60_000);

  it('ends a transfer that outlives maxTransferMs with an ERROR, however it is paced', async () => {
    const short = new TftpServer({ root, port: 0, bindAddress: '127.0.0.1', timeoutMs: 30_000, maxTransferMs: 300 });
    await short.start();
    try {
      const p = await peer();
      p.send(rrq('snponly.efi'), short.port());
      // A slow client: every ACK well inside the retransmission timeout, the transfer never idle.
      let last: PeerPacket;
      for (;;) {
        last = await p.next();
        if (last.pkt.op !== 'data' || last.pkt.data.length < 512) break;
        await new Promise((r) => setTimeout(r, 20));
        p.send(encodeAck(last.pkt.block), last.port);
      }
      expect(last.pkt).toMatchObject({ op: 'error', code: TftpError.notDefined });
      expect(short.stats.completed).toBe(0);
    } finally {
      await short.close();
    }
  }, 60_000);

  it('refuses transfers over the per-client and global caps with an ERROR from the listening port', async () => {
    const capped = new TftpServer({ root, port: 0, bindAddress: '127.0.0.1', timeoutMs: 30_000, maxTransfers: 3, maxTransfersPerClient: 2 });
    await capped.start();
    try {
      const answer = async (address: string): Promise<PeerPacket> => {
        const p = await peer(address);
        p.send(rrq('snponly.efi', { tsize: '0' }), capped.port());
        return p.next();
      };
      const a = [await answer('127.0.0.1'), await answer('127.0.0.1'), await answer('127.0.0.1')];
      expect(a.map((x) => x.pkt.op)).toEqual(['oack', 'oack', 'error']);
      expect(a[2]).toMatchObject({ port: capped.port(), pkt: { code: TftpError.notDefined, message: expect.stringMatching(/too many transfers/i) } });
      const b = [await answer('127.0.0.3'), await answer('127.0.0.3')];
      expect(b.map((x) => x.pkt.op)).toEqual(['oack', 'error']); // the global cap (3)
      expect(capped.stats.refusedBusy).toBe(2);
      // An aborted transfer frees its slot at once.
      peers[0]?.send(encodeError(0, 'tsize only'), a[0]?.port ?? 0);
      await new Promise((r) => setTimeout(r, 50));
      expect((await answer('127.0.0.3')).pkt.op).toBe('oack');
    } finally {
      await capped.close();
    }
  });

  it('refuses a file its cache budget cannot hold as busy', async () => {
    const small = new TftpServer({ root, port: 0, bindAddress: '127.0.0.1', cacheBytes: firmware.length - 1 });
    await small.start();
    try {
      expect((await tftpGet(small.port(), 'snponly.efi')).error).toMatchObject({ code: TftpError.notDefined, message: expect.stringMatching(/busy/i) });
      expect(small.stats.refusedBusy).toBe(1);
      expect((await tftpGet(small.port(), 'exact.bin')).data?.length).toBe(1024);
    } finally {
      await small.close();
    }
  });

  it('answers a malformed request with ERROR 4, and stays silent for what is no request', async () => {
    const p = await peer();
    p.send(Buffer.from([0, 9, 1, 2, 3]), quiet.port()); // unknown opcode: silence
    p.send(Buffer.from([0, 1, 0x66, 0x6f, 0x6f]), quiet.port()); // RRQ without terminators
    expect((await p.next()).pkt).toMatchObject({ op: 'error', code: TftpError.illegalOperation });
    p.send(rrq('snponly.efi', { blksize: '1024', tsize: '0', odd: '1' }).subarray(0, -2), quiet.port()); // an option without a value
    expect((await p.next()).pkt).toMatchObject({ op: 'error' });
  });

  it('never rejects on a datagram it cannot answer (source port 0) nor on one arriving as it closes', async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown): void => {
      rejections.push(e);
    };
    process.on('unhandledRejection', onRejection);
    const s = new TftpServer({ root, port: 0, bindAddress: '127.0.0.1' });
    await s.start();
    try {
      const sock = (s as unknown as { sock: Socket }).sock;
      const from = { address: '127.0.0.1', family: 'IPv4' as const, port: 0, size: 0 };
      sock.emit('message', encodeRequest('wrq', 'x'), from);
      sock.emit('message', rrq('snponly.efi'), from);
      sock.emit('message', rrq('missing.efi'), { ...from, port: 40000 });
      const closing = s.close();
      sock.emit('message', rrq('missing.efi'), { ...from, port: 40001 });
      await closing;
      await new Promise((r) => setTimeout(r, 100));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      await s.close();
    }
  });

  it('a second server on the same port fails to start with an error naming the address and port', async () => {
    const second = new TftpServer({ root, port: quiet.port(), bindAddress: '127.0.0.1' });
    const err = await second.start().then(() => undefined, (e: unknown) => e);
    await second.close();
    expect(err).toBeInstanceOf(AddressInUseError);
    expect((err as Error).message).toContain(`127.0.0.1:${quiet.port()}`);
  });
});
