import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../../src/boot/tftp/packets.js';
import { TftpServer } from '../../../src/boot/tftp/server.js';
import { tftpAttackDatagram, tftpFetch } from '../../../bench/tftp-load.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-tftp-'));
const file = Buffer.alloc(100_000, 7);
let server: TftpServer;

beforeAll(async () => {
  writeFileSync(join(dir, 'f.bin'), file);
  server = new TftpServer({ root: dir, port: 0, bindAddress: '127.0.0.1' });
  await server.start();
});

afterAll(async () => {
  await server.close();
  removeTempDir(dir);
});

const fetch = (name: string, windowsize: number): ReturnType<typeof tftpFetch> =>
  tftpFetch({ host: '127.0.0.1', port: server.port(), file: name, blksize: 1468, windowsize, timeoutMs: 1000, retries: 5, deadline: Date.now() + 60_000 });

async function until(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('bench TFTP load client', () => {
  it('reads a whole file with the window the server agrees to, and the server sees the final ACK', async () => {
    const before = server.stats.completed;
    let counted = 0;
    const r = await tftpFetch({ host: '127.0.0.1', port: server.port(), file: 'f.bin', blksize: 1468, windowsize: 8, timeoutMs: 1000, retries: 5, deadline: Date.now() + 60_000, onBytes: (n) => (counted += n) });
    expect(r).toMatchObject({ outcome: 'completed', bytes: file.length, window: 8 });
    expect(counted).toBe(file.length);
    // The server ends a transfer as completed only on the last block's ACK: the client must not close before sending it.
    await until(() => server.stats.completed > before);
    expect(server.stats.completed).toBe(before + 1);
  });

  it('lock-step when asked for a window of 1', async () => {
    expect(await fetch('f.bin', 1)).toMatchObject({ outcome: 'completed', bytes: file.length, window: 1 });
  });

  it('a refused file is a failure with the server\'s error', async () => {
    const r = await fetch('missing.bin', 8);
    expect(r.outcome).toBe('failed');
    expect(r.reason).toMatch(/^ERROR 1 /);
  });

  it('a transfer cut (at the deadline) tells the server, which ends it at once', async () => {
    const before = server.stats.aborted;
    const cut = new AbortController();
    const r = await tftpFetch({ host: '127.0.0.1', port: server.port(), file: 'f.bin', blksize: 512, windowsize: 1, timeoutMs: 1000, retries: 5, deadline: Date.now() + 60_000, signal: cut.signal, onBytes: () => cut.abort() });
    expect(r.outcome).toBe('cut');
    await until(() => server.stats.aborted > before);
    expect(server.stats.aborted).toBeGreaterThan(before);
  });

  it('attack mix: RRQs with windowsize=65535 and timeout=255, plain abandoned RRQs, garbage', () => {
    const kinds = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      let kind = 'garbage';
      try {
        const p = decode(tftpAttackDatagram(i, { bigFile: 'big', smallFile: 'small' }));
        if (p.op === 'rrq') kind = p.options.get('windowsize') === '65535' && p.options.get('timeout') === '255' && p.filename === 'big' ? 'window' : p.options.get('timeout') === '255' ? 'plain' : 'other';
        else kind = p.op === 'ack' ? 'garbage' : p.op;
      } catch {
        // undecodable: garbage
      }
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(Object.fromEntries(kinds)).toEqual({ window: 90, plain: 70, garbage: 40 });
  });
});
