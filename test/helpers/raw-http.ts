/**
 * Raw HTTP/1.1 over `node:net`, for attack tests: requests no HTTP client library would send
 * (bad request targets, oversized heads, broken bodies, slow clients).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';

export interface RawAnswer {
  /** Status of the first response, if one arrived. */
  status?: number;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Nothing happened within the wait: neither a complete response nor a close. */
  timedOut: boolean;
  head: string;
}

/** Reads the first response (status line, headers, content-length body) or the close, whichever comes first. */
function answerOf(sock: Socket, waitMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (a: Omit<RawAnswer, 'head' | 'status'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const text = buf.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({ ...a, head: text.split('\r\n\r\n')[0] ?? '', ...(status ? { status: Number(status) } : {}) });
    };
    const timer = setTimeout(() => {
      finish({ closed: false, timedOut: true });
      sock.destroy();
    }, waitMs);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (buf.length >= end + 4 + length) finish({ closed: false, timedOut: false });
    });
    sock.on('error', () => undefined); // a reset counts as a close
    sock.on('close', () => finish({ closed: true, timedOut: false }));
  });
}

/** Sends `data` at once and waits for the answer (up to `waitMs`); the socket is closed afterwards. */
export async function rawRequest(port: number, data: string | Buffer, waitMs = 5000, host = '127.0.0.1'): Promise<RawAnswer> {
  const sock = connect(port, host);
  const answer = answerOf(sock, waitMs);
  sock.on('connect', () => sock.write(data, () => undefined));
  const a = await answer;
  sock.destroy();
  return a;
}

/** Sends `data` one byte every `intervalMs` until the server answers or closes; counts the bytes sent. */
export async function slowRequest(port: number, data: string, intervalMs: number, waitMs = 10_000, host = '127.0.0.1'): Promise<RawAnswer & { bytesSent: number }> {
  const sock = connect(port, host);
  const answer = answerOf(sock, waitMs);
  let sent = 0;
  const tick = setInterval(() => {
    if (sent < data.length && !sock.destroyed) sock.write(data[sent++] ?? '');
  }, intervalMs);
  const a = await answer;
  clearInterval(tick);
  sock.destroy();
  return { ...a, bytesSent: sent };
}

/** Opens a connection and keeps it open without sending anything; resolves once connected. */
export function idleConnection(port: number, host = '127.0.0.1'): Promise<{ sock: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, host);
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', () => undefined);
    sock.once('connect', () => resolve({ sock, closed }));
    sock.once('error', reject);
  });
}

export const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

/** A malformed request: its name, its bytes, and the statuses that are a right answer. */
export type Attack = [name: string, data: string | Buffer, statuses: number[]];

/** One test per attack: each is answered with one of its statuses (not left hanging). */
export function itAnswersEach(corpus: Attack[], port: () => number): void {
  it.each(corpus)('%s', async (_name, data, statuses) => {
    const a = await rawRequest(port(), data);
    expect(a.timedOut).toBe(false);
    expect(statuses).toContain(a.status);
  });
}

/** The unhandled rejections of this test file (from beforeAll to afterAll); empty is the goal. */
export function trackRejections(): unknown[] {
  const seen: unknown[] = [];
  const record = (err: unknown): void => void seen.push(err);
  beforeAll(() => void process.on('unhandledRejection', record));
  afterAll(() => void process.off('unhandledRejection', record));
  return seen;
}
