/**
 * The workers' health/metrics listener under hostile clients: every cap is a named constant a
 * client can hit (connections, head size, URL length, request time, request bodies), and the
 * endpoints answer as a scraper and a probe expect.
 */
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { portOf } from '../../../src/agent/http-server.js';
import {
  HEALTH_IDLE_TIMEOUT_MS,
  HEALTH_MAX_CONNECTIONS,
  HEALTH_MAX_HEADER_BYTES,
  HEALTH_MAX_URL_BYTES,
  HEALTH_REQUEST_TIMEOUT_MS,
  startHealthServer,
  type HealthSources,
} from '../../../src/worker/metrics/health-server.js';
import { closeAll, peer } from '../../helpers/hostile-http.js';
import { get, idleConnection, rawRequest, slowRequest } from '../../helpers/raw-http.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await closeAll();
});

let notReady: string | undefined;
const sources: HealthSources = { metrics: () => '# TYPE ours_total counter\nours_total 1\n', notReady: () => notReady };
async function start(src: HealthSources = sources, limits = {}): Promise<number> {
  const s = await startHealthServer(src, 0, '127.0.0.1', { limits });
  servers.push(s);
  return portOf(s);
}

describe('health listener endpoints', () => {
  it('answers /healthz, and /readyz 503 with the reason until the worker runs', async () => {
    const port = await start();
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    notReady = 'worker initialized';
    const r = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.text()).toBe('not ready: worker initialized\n');
    notReady = undefined;
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('appends the SDK core metrics, and still serves ours when the core exporter is down', async () => {
    const core = await peer((_q, res) => void res.writeHead(200).end('temporal_x_total 3'));
    let port = await start({ ...sources, coreMetricsUrl: `${core.origin}/metrics` });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toBe('# TYPE ours_total counter\nours_total 1\ntemporal_x_total 3\n');
    port = await start({ ...sources, coreMetricsUrl: 'http://127.0.0.1:1/metrics' });
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('# TYPE ours_total counter\nours_total 1\n');
  });

  it('refuses other methods (405) and any request body (413)', async () => {
    const port = await start();
    expect((await rawRequest(port, 'POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n')).status).toBe(405);
    expect((await rawRequest(port, 'GET /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello')).status).toBe(413);
    expect((await rawRequest(port, 'GET /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')).status).toBe(413);
  });
});

describe('health listener caps', () => {
  // The head, URL and connection caps are hit below with their named values; the timeouts are hit
  // with short overrides (no timed tests), so this checks the named ones are what a default server runs with.
  it(`runs with HEALTH_REQUEST_TIMEOUT_MS (${HEALTH_REQUEST_TIMEOUT_MS}) and HEALTH_IDLE_TIMEOUT_MS (${HEALTH_IDLE_TIMEOUT_MS}) unless overridden`, async () => {
    await start();
    const s = servers[0];
    expect({ headers: s?.headersTimeout, request: s?.requestTimeout, idle: s?.timeout }).toEqual({ headers: HEALTH_REQUEST_TIMEOUT_MS, request: HEALTH_REQUEST_TIMEOUT_MS, idle: HEALTH_IDLE_TIMEOUT_MS });
  });

  it(`answers 431 to a head over HEALTH_MAX_HEADER_BYTES (${HEALTH_MAX_HEADER_BYTES}) and 414 to a target over HEALTH_MAX_URL_BYTES (${HEALTH_MAX_URL_BYTES})`, async () => {
    const port = await start();
    expect((await rawRequest(port, get('/metrics', `X-Big: ${'a'.repeat(HEALTH_MAX_HEADER_BYTES)}\r\n`))).status).toBe(431);
    expect((await rawRequest(port, get(`/metrics?${'a'.repeat(HEALTH_MAX_URL_BYTES)}`))).status).toBe(414);
    expect((await rawRequest(port, get('/metrics'))).status).toBe(200);
  });

  it(`refuses connections beyond HEALTH_MAX_CONNECTIONS (${HEALTH_MAX_CONNECTIONS})`, async () => {
    const port = await start();
    const held = await Promise.all(Array.from({ length: HEALTH_MAX_CONNECTIONS }, () => idleConnection(port)));
    const a = await rawRequest(port, get('/healthz'), 3000);
    expect(a.status).toBeUndefined();
    expect(a.closed).toBe(true);
    for (const h of held) h.sock.destroy();
  });

  it('cuts off a client that trickles its request head (408), with the request timeout', async () => {
    const port = await start(sources, { headersTimeoutMs: 300, requestTimeoutMs: 300 });
    const a = await slowRequest(port, get('/metrics', `X-Slow: ${'a'.repeat(100)}\r\n`), 50);
    expect(a.status).toBe(408);
  });

  it('closes a connection that stays idle past the idle timeout', async () => {
    const port = await start(sources, { idleTimeoutMs: 200 });
    const { closed } = await idleConnection(port);
    await closed; // resolves only because the server closed it
  });
});
