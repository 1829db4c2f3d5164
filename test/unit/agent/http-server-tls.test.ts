/**
 * listenHttp with TLS: the same handler and limits over HTTPS, a chain that verifies against the
 * boot worker's CA (and not without it), a bounded TLS handshake, and plain HTTP when no TLS is
 * given.
 */
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_LIMITS, TLS_HANDSHAKE_TIMEOUT_MS, listenHttp, portOf, sendJson, type Handler, type ListenHttpOptions } from '../../../src/agent/http-server.js';
import { ensureGeneratedMaterial, type GeneratedMaterial } from '../../../src/tls/generated-material.js';
import { idleConnection, rawRequest } from '../../helpers/raw-http.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-https-'));
let m: GeneratedMaterial;
const servers: Server[] = [];
const logs: string[] = [];
beforeAll(async () => {
  m = await ensureGeneratedMaterial(join(dir, 'tls'), ['127.0.0.1']);
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});
afterAll(() => removeTempDir(dir));

const ok: Handler = async (req, res) => sendJson(res, 200, { ok: true, encrypted: 'encrypted' in req.socket && req.socket.encrypted === true });
async function start(opts: ListenHttpOptions = {}): Promise<number> {
  const s = await listenHttp(ok, 0, '127.0.0.1', { log: (level, msg) => void logs.push(`${level} ${msg}`), ...opts });
  servers.push(s);
  return portOf(s);
}

describe('listenHttp over TLS', () => {
  it('serves HTTPS whose chain verifies against the CA', async () => {
    const port = await start({ tls: { cert: m.certPem, key: m.keyPem } });
    const trusting = new Agent({ connect: { ca: m.caPem } });
    const res = await request(`https://127.0.0.1:${port}/x`, { dispatcher: trusting });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ ok: true, encrypted: true });
    await trusting.close();
  });

  it('is refused by a client that does not trust the CA, and the refusal is logged, not thrown', async () => {
    const port = await start({ tls: { cert: m.certPem, key: m.keyPem } });
    const err = await request(`https://127.0.0.1:${port}/x`).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
    // A stranger CA's client is refused likewise.
    const other = await ensureGeneratedMaterial(join(dir, 'other'), ['127.0.0.1']);
    const wrong = new Agent({ connect: { ca: other.caPem } });
    await expect(request(`https://127.0.0.1:${port}/x`, { dispatcher: wrong })).rejects.toThrow();
    await wrong.close();
    await expect.poll(() => logs.filter((l) => l.startsWith('debug https: TLS handshake failed')).length).toBeGreaterThanOrEqual(2);
  });

  it('keeps the listener limits over TLS (request target, 414)', async () => {
    const port = await start({ tls: { cert: m.certPem, key: m.keyPem }, limits: { maxUrlBytes: 64 } });
    const trusting = new Agent({ connect: { ca: m.caPem } });
    const res = await request(`https://127.0.0.1:${port}/${'a'.repeat(100)}`, { dispatcher: trusting });
    await res.body.dump();
    expect(res.statusCode).toBe(414);
    await trusting.close();
  });

  it('closes a connection that never completes its TLS handshake (TLS_HANDSHAKE_TIMEOUT_MS)', async () => {
    expect(DEFAULT_HTTP_LIMITS.tlsHandshakeTimeoutMs).toBe(TLS_HANDSHAKE_TIMEOUT_MS);
    expect(TLS_HANDSHAKE_TIMEOUT_MS).toBe(10_000);
    const port = await start({ tls: { cert: m.certPem, key: m.keyPem }, limits: { tlsHandshakeTimeoutMs: 300, idleTimeoutMs: 60_000 } });
    const { closed } = await idleConnection(port);
    await closed; // the test's own timeout is the bound: the idle timeout (60 s) would be too late
  });

  it('does not answer plain HTTP on a TLS port', async () => {
    const port = await start({ tls: { cert: m.certPem, key: m.keyPem } });
    const a = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    expect(a.status).toBeUndefined();
    expect(a.closed).toBe(true);
  });

  it('stays plain HTTP without TLS options', async () => {
    const port = await start();
    const res = await request(`http://127.0.0.1:${port}/x`);
    expect(await res.body.json()).toEqual({ ok: true, encrypted: false });
    await expect(request(`https://127.0.0.1:${port}/x`, { dispatcher: new Agent({ connect: { ca: m.caPem } }) })).rejects.toThrow();
  });
});
