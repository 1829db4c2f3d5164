/**
 * One HTTP exchange with a peer we do not trust (a BMC, an agent), on undici. Redirects are never
 * followed here (undici's `request` follows none without its redirect interceptor): the caller sees
 * the 3xx and decides. The exchange is bounded in time: headers, each body chunk, and the whole
 * exchange, since undici's bodyTimeout is per chunk and a peer trickling a byte at a time would
 * otherwise hold the caller for ever. And in size: the body is read up to a cap, then the
 * connection is dropped, so a peer cannot make us buffer more.
 */
import { request, type Dispatcher } from 'undici';

/** The whole exchange did not finish within its deadline. */
export class PeerDeadlineExceeded extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

/** The body was (or was declared) larger than the cap; the connection was dropped. */
export class PeerBodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`answer over ${maxBytes} bytes`);
  }
}

export interface PeerRequest {
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body?: string;
  dispatcher?: Dispatcher;
  /** Headers, each body chunk, and the whole exchange must arrive within this. */
  timeoutMs: number;
  maxBodyBytes: number;
  signal?: AbortSignal;
}

export interface PeerResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  text: string;
}

export async function peerRequest(url: URL, r: PeerRequest): Promise<PeerResponse> {
  const deadline = AbortSignal.timeout(r.timeoutMs);
  try {
    const res = await request(url, {
      method: r.method,
      headers: r.headers,
      ...(r.body !== undefined ? { body: r.body } : {}),
      ...(r.dispatcher ? { dispatcher: r.dispatcher } : {}),
      headersTimeout: r.timeoutMs,
      bodyTimeout: r.timeoutMs,
      signal: r.signal ? AbortSignal.any([deadline, r.signal]) : deadline,
    });
    return { status: res.statusCode, headers: res.headers, text: await readCapped(res, r.maxBodyBytes) };
  } catch (err) {
    if (deadline.aborted && !(err instanceof PeerBodyTooLarge)) throw new PeerDeadlineExceeded(r.timeoutMs);
    throw err;
  }
}

async function readCapped(res: Dispatcher.ResponseData, maxBytes: number): Promise<string> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy();
    throw new PeerBodyTooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      res.body.destroy(); // aborts the request: undici closes the connection mid-body
      throw new PeerBodyTooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `text` cut to `max` characters: peer-provided text goes into errors, logs and workflow history. */
export function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
