/**
 * The TFTP server under attack from the provisioning network, on loopback: a flood of read
 * requests for a 4 MiB file from 200 source ports on 40 addresses must leave memory and file
 * descriptors bounded and be refused over the caps; one ACK must not draw more than the clamped
 * window; a long timeout is declined; a second server cannot bind the same port.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS, MAX_TRANSFERS, MAX_TRANSFERS_PER_CLIENT, MAX_WINDOWSIZE } from '../../../../src/boot/tftp/limits.js';
import { TftpError, encodeAck, encodeError, encodeRequest } from '../../../../src/boot/tftp/packets.js';
import { TftpServer } from '../../../../src/boot/tftp/server.js';
import { AddressInUseError } from '../../../../src/net/listen-error.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';
import { TftpPeer, tftpGet, type PeerPacket } from '../../../helpers/tftp-client.js';

const dir = mkdtempSync(join(tmpdir(), 'tftp-attack-'));
const root = join(dir, 'root');
const FILE_BYTES = 4 * 2 ** 20;
const image = Buffer.alloc(FILE_BYTES, 7);
/** The flood: 40 addresses × 5 source ports × 10 requests. */
const ADDRESSES = 40;
const PORTS_PER_ADDRESS = 5;
const REQUESTS_PER_PORT = 10;
/** What the flood may add to the process's buffers: the file once, and slack for packets in flight. */
const MEMORY_BOUND = 3 * FILE_BYTES;
/** What it may add to the open descriptors: a socket per transfer, and slack (the file being read). */
const FD_BOUND = MAX_TRANSFERS + 16;

const fds = (): number => readdirSync('/proc/self/fd').length;
const buffers = (): number => process.memoryUsage().arrayBuffers;

beforeAll(() => {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'big.img'), image);
});
afterAll(() => removeTempDir(dir));

describe('TFTP flood', () => {
  // Transfers the flood opens must outlive it: no retransmission, no give-up while it runs.
  let server: TftpServer;
  const peers: TftpPeer[] = [];
  beforeAll(async () => {
    server = new TftpServer({ root, port: 0, bindAddress: '127.0.0.1', timeoutMs: 120_000 });
    await server.start();
    for (let a = 0; a < ADDRESSES; a++) for (let p = 0; p < PORTS_PER_ADDRESS; p++) peers.push(await TftpPeer.open(`127.0.1.${a + 1}`));
  });
  afterAll(async () => {
    for (const p of peers) p.close();
    await server.close();
  });

  it('keeps memory and descriptors bounded, refuses over the caps with ERROR, and serves once the flood is gone', async () => {
    const baseFds = fds();
    const baseBuffers = buffers();
    const answers = new Map<TftpPeer, PeerPacket[]>();
    let sent = 0;
    for (let round = 0; round < REQUESTS_PER_PORT; round++) {
      for (const p of peers) {
        p.send(encodeRequest('rrq', 'big.img', 'octet', new Map([['tsize', '0'], ['blksize', '8'], ['windowsize', '65535'], ['timeout', '255']])), server.port());
        sent++;
      }
      // Each request gets exactly one first answer: an OACK from its transfer, or a refusal.
      for (const p of peers) {
        const got = answers.get(p) ?? [];
        got.push(await p.next(30_000));
        answers.set(p, got);
      }
      // Checked after every round, so a server without caps fails here long before it exhausts the machine.
      expect(buffers() - baseBuffers, `buffers after ${sent} requests`).toBeLessThan(MEMORY_BOUND);
      expect(fds() - baseFds, `descriptors after ${sent} requests`).toBeLessThanOrEqual(FD_BOUND);
    }
    const all = [...answers.values()].flat();
    expect(all).toHaveLength(ADDRESSES * PORTS_PER_ADDRESS * REQUESTS_PER_PORT);
    const transfers = all.filter((a) => a.pkt.op === 'oack');
    const refusals = all.filter((a) => a.pkt.op === 'error');
    expect(transfers.length + refusals.length).toBe(all.length);
    expect(transfers.length).toBe(MAX_TRANSFERS);
    for (const r of refusals) expect(r).toMatchObject({ port: server.port(), pkt: { code: TftpError.notDefined, message: expect.stringMatching(/too many transfers/i) } });
    expect(server.stats.refusedBusy).toBe(refusals.length);
    for (let a = 0; a < ADDRESSES; a++) {
      const own = peers.slice(a * PORTS_PER_ADDRESS, (a + 1) * PORTS_PER_ADDRESS).flatMap((p) => answers.get(p) ?? []);
      expect(own.filter((x) => x.pkt.op === 'oack').length).toBeLessThanOrEqual(MAX_TRANSFERS_PER_CLIENT);
    }
    // The OACKs carry the clamped window and no 255 s timeout.
    for (const t of transfers) {
      expect(t.pkt.op === 'oack' && t.pkt.options.get('windowsize')).toBe(String(MAX_WINDOWSIZE));
      expect(t.pkt.op === 'oack' && t.pkt.options.has('timeout')).toBe(false);
    }
    // The attackers abort; their slots are free at once and a real client is served.
    for (const p of peers) for (const t of answers.get(p) ?? []) if (t.pkt.op === 'oack') p.send(encodeError(0, 'bye'), t.port);
    const deadline = Date.now() + 10_000;
    while (server.stats.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(server.stats.active).toBe(0);
    expect((await tftpGet(server.port(), 'big.img', { options: { blksize: '1468', windowsize: '16' }, timeoutMs: 60_000 })).data?.equals(image)).toBe(true);
  }, 180_000);
});

describe('TFTP amplification', () => {
  let server: TftpServer;
  beforeAll(async () => {
    server = new TftpServer({ root, port: 0, bindAddress: '127.0.0.1', timeoutMs: 60_000 });
    await server.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it(`one ACK draws at most ${MAX_WINDOWSIZE} DATA whatever windowsize was asked; a duplicate ACK draws none`, async () => {
    const p = await TftpPeer.open();
    try {
      p.send(encodeRequest('rrq', 'big.img', 'octet', new Map([['blksize', '8'], ['windowsize', '65535']])), server.port());
      const oack = await p.next();
      expect(oack.pkt.op === 'oack' && oack.pkt.options.get('windowsize')).toBe(String(MAX_WINDOWSIZE));
      const blocks = async (n: number): Promise<number[]> => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) {
          const x = await p.next();
          out.push(x.pkt.op === 'data' ? x.pkt.block : -1);
        }
        return out;
      };
      const run = (from: number): number[] => Array.from({ length: MAX_WINDOWSIZE }, (_, i) => from + i);
      p.send(encodeAck(0), oack.port);
      expect(await blocks(MAX_WINDOWSIZE)).toEqual(run(1));
      expect(await p.drain()).toHaveLength(0); // and not one more
      p.send(encodeAck(0), oack.port);
      p.send(encodeAck(0), oack.port);
      expect(await p.drain()).toHaveLength(0);
      p.send(encodeAck(MAX_WINDOWSIZE), oack.port);
      expect(await blocks(MAX_WINDOWSIZE)).toEqual(run(MAX_WINDOWSIZE + 1));
      expect(await p.drain()).toHaveLength(0);
    } finally {
      p.close();
    }
  });

  it(`declines timeout=255: a silent client is given up after the server's own ${DEFAULT_TIMEOUT_MS} ms timeouts`, async () => {
    const quick = new TftpServer({ root, port: 0, bindAddress: '127.0.0.1', timeoutMs: 50, retries: 2 });
    await quick.start();
    const p = await TftpPeer.open();
    try {
      p.send(encodeRequest('rrq', 'big.img', 'octet', new Map([['timeout', '255'], ['tsize', '0']])), quick.port());
      const oack = await p.next();
      expect(oack.pkt.op === 'oack' && oack.pkt.options.has('timeout')).toBe(false);
      // The OACK and its two retransmissions, then the transfer is gone.
      const deadline = Date.now() + 10_000;
      while (quick.stats.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(quick.stats.active).toBe(0);
      expect(quick.stats.aborted).toBe(1);
    } finally {
      p.close();
      await quick.close();
    }
  });

  it('a second server on the same port fails to start', async () => {
    const second = new TftpServer({ root, port: server.port(), bindAddress: '127.0.0.1' });
    await expect(second.start()).rejects.toBeInstanceOf(AddressInUseError);
    await second.close();
  });
});
