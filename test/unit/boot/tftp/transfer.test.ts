/**
 * A transfer whose socket cannot be connected to its client does not start: a connect error (the
 * peer's address unusable) and a source port 0 (which cannot be answered) end it `aborted` at once,
 * never a transfer that only times out later, and never an exception.
 */
import type { RemoteInfo } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { Transfer, type TransferOutcome } from '../../../../src/boot/tftp/transfer.js';

const limits = { retries: 1, maxTransferMs: 60_000, resendFactor: 1 };
const opts = { blksize: 512, windowsize: 1, timeoutMs: 60_000, oack: new Map<string, string>() };
const peer = (address: string, port: number): RemoteInfo => ({ address, port, family: 'IPv4', size: 0 });

async function startTo(p: RemoteInfo): Promise<{ started: boolean; outcomes: TransferOutcome[] }> {
  const outcomes: TransferOutcome[] = [];
  const t = new Transfer(Buffer.alloc(10), opts, p, limits, (o) => outcomes.push(o));
  try {
    return { started: await t.start('127.0.0.1'), outcomes };
  } finally {
    t.end(); // a no-op once ended; closes the socket if a broken start left it open
  }
}

describe('tftp transfer start', () => {
  it('ends aborted when connecting its socket to the client fails', async () => {
    // An IPv6 peer on the IPv4 transfer socket: connect's callback gets EINVAL.
    expect(await startTo(peer('::1', 40_000))).toEqual({ started: false, outcomes: ['aborted'] });
  });

  it('ends aborted for a client on source port 0 (it cannot be answered)', async () => {
    expect(await startTo(peer('127.0.0.1', 0))).toEqual({ started: false, outcomes: ['aborted'] });
  });
});
