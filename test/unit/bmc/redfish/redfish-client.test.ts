import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RedfishClient } from '../../../../src/bmc/redfish/redfish-client.js';
import { BmcAuthenticationError, BmcUnreachableError, RedfishRequestError } from '../../../../src/errors.js';

let server: Server | undefined;
afterEach(() => server?.close());

/** A loopback HTTP server answering from a script of [status, body] pairs; records requests. */
async function scripted(responses: Array<[number, string]>): Promise<{ origin: string; seen: Array<{ method: string; url: string; auth: string; at: number }> }> {
  const seen: Array<{ method: string; url: string; auth: string; at: number }> = [];
  let i = 0;
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization ?? '', at: Date.now() });
    const [status, body] = responses[Math.min(i++, responses.length - 1)] ?? [500, ''];
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(body), 20);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { origin: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, seen };
}

const endpoint = (origin: string) => ({ origin, username: 'u', password: 'p', verifyCertificate: true });

describe('RedfishClient', () => {
  it('retries 5xx a bounded number of times, then succeeds', async () => {
    const { origin, seen } = await scripted([[503, ''], [502, ''], [200, '{"PowerState":"On"}']]);
    const c = new RedfishClient(endpoint(origin), { attempts: 3, retryDelayMs: 10 });
    expect(await c.get('/redfish/v1/Systems/1')).toEqual({ PowerState: 'On' });
    expect(seen).toHaveLength(3);
    expect(seen[0]?.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('gives up after the last attempt with a BmcUnreachableError', async () => {
    const { origin, seen } = await scripted([[500, '{"error":{"message":"boom"}}']]);
    const c = new RedfishClient(endpoint(origin), { attempts: 2, retryDelayMs: 10 });
    await expect(c.get('/x')).rejects.toThrow(BmcUnreachableError);
    expect(seen).toHaveLength(2);
  });

  it('does not retry 401, 403 or 4xx', async () => {
    const auth = await scripted([[401, '']]);
    await expect(new RedfishClient(endpoint(auth.origin), { retryDelayMs: 10 }).get('/x')).rejects.toThrow(BmcAuthenticationError);
    expect(auth.seen).toHaveLength(1);
    server?.close();
    const bad = await scripted([[400, '{"error":{"@Message.ExtendedInfo":[{"Message":"PATCH not allowed"}]}}']]);
    await expect(new RedfishClient(endpoint(bad.origin), { retryDelayMs: 10 }).patch('/x', {})).rejects.toThrow(/HTTP 400 PATCH not allowed/);
    await expect(new RedfishClient(endpoint(bad.origin)).get('/x')).rejects.toThrow(RedfishRequestError);
  });

  it('turns connection failures into BmcUnreachableError', async () => {
    const c = new RedfishClient(endpoint('http://127.0.0.1:1'), { attempts: 2, retryDelayMs: 10 });
    await expect(c.get('/x')).rejects.toThrow(BmcUnreachableError);
  });

  it('serialises concurrent requests to one BMC', async () => {
    const { origin, seen } = await scripted([[200, '{}']]);
    const c = new RedfishClient(endpoint(origin));
    let inFlight = 0;
    let maxInFlight = 0;
    const track = async (): Promise<void> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await c.get('/x');
      inFlight--;
    };
    await Promise.all([track(), track(), track()]);
    expect(seen).toHaveLength(3);
    // The server saw them one after the other: each arrived after the previous answer (20 ms each).
    for (let i = 1; i < seen.length; i++) expect((seen[i]?.at ?? 0) - (seen[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(15);
  });
});
