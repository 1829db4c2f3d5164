/**
 * The shared HTTP listener (agent API, HTTP boot server, simulated agents) under hostile clients:
 * a failing handler answers 500 and logs, never rejects unhandled; every resource limit is a
 * named constant that a client can hit (head size, URL length, header/request/idle timeouts,
 * concurrent connections, body size).
 */
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_HTTP_LIMITS,
  HEADERS_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_BODY_BYTES,
  MAX_CONNECTIONS,
  MAX_HEADER_BYTES,
  MAX_URL_BYTES,
  REQUEST_TIMEOUT_MS,
  listenHttp,
  portOf,
  readBody,
  sendJson,
  type Handler,
  type ListenHttpOptions,
} from '../../../src/agent/http-server.js';
import { get, idleConnection, rawRequest, slowRequest } from '../../helpers/raw-http.js';

const servers: Server[] = [];
const logs: string[] = [];
const rejections: unknown[] = [];
const onRejection = (err: unknown): void => void rejections.push(err);
beforeEach(() => {
  logs.length = 0;
  rejections.length = 0;
  process.on('unhandledRejection', onRejection);
});
afterEach(async () => {
  process.off('unhandledRejection', onRejection);
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const ok: Handler = async (_req, res) => sendJson(res, 200, { ok: true });
async function start(handler: Handler, opts: ListenHttpOptions = {}): Promise<number> {
  const s = await listenHttp(handler, 0, '127.0.0.1', { log: (level, m) => void logs.push(`${level} ${m}`), ...opts });
  servers.push(s);
  return portOf(s);
}
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

describe('listenHttp isolates each request', () => {
  it('answers 500 and logs when a handler rejects, and keeps serving', async () => {
    const port = await start(async (req, res) => {
      if (req.url === '/boom') throw new Error('handler bug');
      sendJson(res, 200, { ok: true });
    });
    const a = await rawRequest(port, get('/boom'));
    expect(a.status).toBe(500);
    await settle();
    expect(rejections).toEqual([]);
    expect(logs.some((l) => /handler bug/.test(l))).toBe(true);
    expect((await rawRequest(port, get('/'))).status).toBe(200);
  });

  it('answers 500 when a handler throws synchronously', async () => {
    const port = await start(((_req, _res) => {
      throw new Error('sync bug');
    }) as Handler);
    expect((await rawRequest(port, get('/'))).status).toBe(500);
    await settle();
    expect(rejections).toEqual([]);
  });

  it('destroys the connection when the handler fails after the headers were sent', async () => {
    const port = await start(async (_req, res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write('partial');
      throw new Error('late bug');
    });
    const a = await rawRequest(port, get('/'));
    expect(a.closed).toBe(true);
    await settle();
    expect(rejections).toEqual([]);
    expect(logs.some((l) => /late bug/.test(l))).toBe(true);
  });
});

describe('listenHttp resource limits', () => {
  it('configures every listener with the named limits', async () => {
    const port = await start(ok);
    const s = servers.find((x) => portOf(x) === port);
    expect(s?.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(s?.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(s?.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(s?.timeout).toBe(IDLE_TIMEOUT_MS);
    expect(s?.maxConnections).toBe(MAX_CONNECTIONS);
    expect(HEADERS_TIMEOUT_MS).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(MAX_URL_BYTES).toBeLessThan(MAX_HEADER_BYTES);
    expect(DEFAULT_HTTP_LIMITS.maxHeaderBytes).toBe(MAX_HEADER_BYTES);
  });

  it(`answers 431 to a request head over MAX_HEADER_BYTES (${MAX_HEADER_BYTES})`, async () => {
    const port = await start(ok);
    expect((await rawRequest(port, get('/', `X-Big: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n`))).status).toBe(431);
    expect((await rawRequest(port, get('/', `X-Fits: ${'a'.repeat(MAX_HEADER_BYTES - 200)}\r\n`))).status).toBe(200);
    expect((await rawRequest(port, get('/', 'X: y\r\n'.repeat(10_000)))).status).toBe(431);
  });

  it('cuts off a client that sends its headers one byte at a time (slowloris) with 408', async () => {
    const port = await start(ok, { limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const head = get('/', 'X-Slow: ' + 'a'.repeat(200) + '\r\n');
    const a = await slowRequest(port, head, 20);
    expect(a.timedOut).toBe(false);
    expect(a.bytesSent).toBeLessThan(head.length);
    expect(a.status === 408 || a.status === undefined).toBe(true);
    expect((await rawRequest(port, get('/'))).status).toBe(200);
  });

  it('cuts off a body that never finishes (requestTimeout)', async () => {
    const port = await start(
      async (req, res) => {
        await readBody(req, 1024);
        sendJson(res, 200, {});
      },
      { limits: { headersTimeoutMs: 200, requestTimeoutMs: 400 } },
    );
    const a = await rawRequest(port, 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly a bit', 5000);
    expect(a.timedOut).toBe(false);
    expect(a.status === 408 || a.closed).toBe(true);
  });

  it('closes a connection that stays idle (socket idle timeout)', async () => {
    const port = await start(ok, { limits: { idleTimeoutMs: 300, headersTimeoutMs: 5000, requestTimeoutMs: 5000 } });
    const c = await idleConnection(port);
    const closed = await Promise.race([c.closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 4000))]);
    c.sock.destroy();
    expect(closed).toBe(true);
  });

  it('refuses connections beyond maxConnections and serves again once they close', async () => {
    const port = await start(ok, { limits: { maxConnections: 2 } });
    const held = [await idleConnection(port), await idleConnection(port)];
    const a = await rawRequest(port, get('/'), 3000);
    expect(a.status).toBeUndefined();
    expect(a.closed).toBe(true);
    expect(logs.some((l) => /connection\(s\) refused.*2 connections open/.test(l))).toBe(true);
    for (const h of held) h.sock.destroy();
    await Promise.all(held.map((h) => h.closed));
    const s = servers.find((x) => portOf(x) === port);
    // The server counts a connection until it has seen the close: wait for that, not for a time.
    while ((await new Promise<number>((r) => s?.getConnections((_e, n) => r(n)))) > 0) await settle();
    expect((await rawRequest(port, get('/'))).status).toBe(200);
  });

  it(`answers 414 to a request target over MAX_URL_BYTES (${MAX_URL_BYTES})`, async () => {
    const port = await start(ok);
    expect((await rawRequest(port, get(`/${'a'.repeat(MAX_URL_BYTES)}`))).status).toBe(414);
  });
});

describe('readBody', () => {
  const echo: Handler = async (req, res) => sendJson(res, 200, { length: (await readBody(req, 1000)).length });

  it('answers 413 as soon as a declared Content-Length is over the cap, without waiting for the body', async () => {
    const port = await start(echo);
    const a = await rawRequest(port, 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000000\r\n\r\n', 3000);
    expect(a.status).toBe(413);
  });

  it('answers 413 when a chunked body grows over the cap', async () => {
    const port = await start(echo);
    const chunk = `${(600).toString(16)}\r\n${'x'.repeat(600)}\r\n`;
    const a = await rawRequest(port, `POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}${chunk}0\r\n\r\n`, 3000);
    expect(a.status === 413 || (a.closed && a.status === undefined)).toBe(true);
    expect((await rawRequest(port, 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello')).status).toBe(200);
  });
});

describe('readBody default cap', () => {
  it(`refuses a body declared over MAX_BODY_BYTES (${MAX_BODY_BYTES}) where the endpoint names no cap`, async () => {
    const port = await start(async (req, res) => sendJson(res, 200, { length: (await readBody(req)).length }));
    expect((await rawRequest(port, `POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`, 3000)).status).toBe(413);
  });
});
