/**
 * Option negotiation (RFC 2347) within the server's caps: blksize (RFC 2348) and windowsize
 * (RFC 7440) are granted at most the cap (both RFCs let the server answer a smaller value);
 * timeout (RFC 2349) must be echoed as asked or declined, so one above the cap is left out of
 * the OACK and the server keeps its own; tsize is answered with the file's size. Unknown or
 * malformed options are ignored.
 */
export interface NegotiationLimits {
  maxBlksize: number;
  maxWindowsize: number;
  maxTimeoutSeconds: number;
  /** Retransmission timeout when the client's is absent or declined. */
  timeoutMs: number;
}

export interface Negotiated {
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  /** The OACK's options; empty means no OACK (start with DATA 1). */
  oack: Map<string, string>;
}

/** RFC 2348's smallest block. */
const MIN_BLKSIZE = 8;

export function negotiate(requested: Map<string, string>, fileSize: number, limits: NegotiationLimits): Negotiated {
  const out: Negotiated = { blksize: 512, windowsize: 1, timeoutMs: limits.timeoutMs, oack: new Map() };
  // Digits only, and few of them: no exponent, sign or 1e9-digit string reaches Number().
  const int = (k: string): number | undefined => {
    const v = requested.get(k);
    return v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : undefined;
  };
  const blk = int('blksize');
  if (blk !== undefined && blk >= MIN_BLKSIZE) {
    out.blksize = Math.min(blk, limits.maxBlksize);
    out.oack.set('blksize', String(out.blksize));
  }
  const timeout = int('timeout');
  if (timeout !== undefined && timeout >= 1 && timeout <= limits.maxTimeoutSeconds) {
    out.timeoutMs = timeout * 1000;
    out.oack.set('timeout', String(timeout));
  }
  if (int('tsize') !== undefined) out.oack.set('tsize', String(fileSize));
  const win = int('windowsize');
  if (win !== undefined && win >= 1) {
    out.windowsize = Math.min(win, limits.maxWindowsize);
    out.oack.set('windowsize', String(out.windowsize));
  }
  return out;
}
