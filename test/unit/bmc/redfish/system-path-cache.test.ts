/**
 * Redfish discovery cache (PERF-PLAN change 12): a driver per activity found the system again
 * (GET /redfish/v1/Systems) on every step. The host worker keeps the path per host, BMC address and
 * credential version for a few minutes; it is bounded, and dropped when the BMC answers 404 or 401.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBmcAddress } from '../../../../src/api/bmc-address.js';
import { RedfishDriver } from '../../../../src/bmc/redfish/redfish-driver.js';
import { REDFISH_SYSTEM_PATH_CACHE_MAX_ENTRIES, REDFISH_SYSTEM_PATH_TTL_MS, RedfishSystemPathCache, systemPathCacheKey } from '../../../../src/bmc/redfish/system-path-cache.js';
import { BmcAuthenticationError } from '../../../../src/errors.js';

/** A BMC with one system whose id can change (a reset that renumbers) and whose password can change. */
interface Bmc {
  port: number;
  gets: string[];
  systemId: string;
  password: string;
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function bmc(): Promise<Bmc> {
  const state: Bmc = { port: 0, gets: [], systemId: '1', password: 'pw' };
  const server = createServer((req, res) => {
    state.gets.push(req.url ?? '');
    const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (auth !== `admin:${state.password}`) return void res.writeHead(401).end('{}');
    const json = (v: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    if (req.url === '/redfish/v1/Systems') return json({ Members: [{ '@odata.id': `/redfish/v1/Systems/${state.systemId}` }] });
    if (req.url === `/redfish/v1/Systems/${state.systemId}`) return json({ '@odata.id': req.url, PowerState: 'On' });
    res.writeHead(404).end('{}');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  state.port = typeof addr === 'object' && addr ? addr.port : 0;
  return state;
}

const address = (b: Bmc): string => `redfish+http://127.0.0.1:${b.port}`;
const driver = (b: Bmc, cache: RedfishSystemPathCache, host: string, version = 'v1', password = 'pw'): RedfishDriver =>
  new RedfishDriver(parseBmcAddress(address(b)), { username: 'admin', password }, false, { retryDelayMs: 1, discovery: { cache, key: systemPathCacheKey({ host, bmcAddress: address(b), credentialsVersion: version }) } });
const discoveries = (b: Bmc): number => b.gets.filter((u) => u === '/redfish/v1/Systems').length;

describe('Redfish system path cache', () => {
  it('lets the next driver of the same host skip discovery', async () => {
    const b = await bmc();
    const cache = new RedfishSystemPathCache();
    expect(await driver(b, cache, 'ns/a').getPowerState()).toBe(true);
    expect(await driver(b, cache, 'ns/a').getPowerState()).toBe(true);
    expect(discoveries(b)).toBe(1);
  });

  it('never serves one host’s entry to another host, even at the same BMC address and credential version', async () => {
    const b = await bmc();
    const cache = new RedfishSystemPathCache();
    await driver(b, cache, 'ns/a').getPowerState();
    await driver(b, cache, 'other/a').getPowerState();
    await driver(b, cache, 'ns/b').getPowerState();
    expect(discoveries(b)).toBe(3);
  });

  it('keys on the credential version: new credentials discover again', async () => {
    const b = await bmc();
    const cache = new RedfishSystemPathCache();
    await driver(b, cache, 'ns/a', 'v1').getPowerState();
    await driver(b, cache, 'ns/a', 'v2').getPowerState();
    expect(discoveries(b)).toBe(2);
  });

  it('drops the entry when the cached system is gone (404) and finds the new one', async () => {
    const b = await bmc();
    const cache = new RedfishSystemPathCache();
    await driver(b, cache, 'ns/a').getPowerState();
    b.systemId = '2'; // the BMC was reset and renumbered its systems
    expect(await driver(b, cache, 'ns/a').getPowerState()).toBe(true);
    expect(discoveries(b)).toBe(2);
    expect(b.gets).toContain('/redfish/v1/Systems/2');
  });

  it('drops the entry when the BMC refuses the credentials (401)', async () => {
    const b = await bmc();
    const cache = new RedfishSystemPathCache();
    await driver(b, cache, 'ns/a').getPowerState();
    expect(cache.size).toBe(1);
    b.password = 'rotated';
    await expect(driver(b, cache, 'ns/a').getPowerState()).rejects.toBeInstanceOf(BmcAuthenticationError);
    expect(cache.size).toBe(0);
  });

  it('forgets an entry after its time to live', () => {
    let now = 0;
    const cache = new RedfishSystemPathCache({ now: () => now });
    cache.set('k', '/redfish/v1/Systems/1');
    now = REDFISH_SYSTEM_PATH_TTL_MS - 1;
    expect(cache.get('k')).toBe('/redfish/v1/Systems/1');
    now = REDFISH_SYSTEM_PATH_TTL_MS;
    expect(cache.get('k')).toBeUndefined();
  });

  it(`holds at most REDFISH_SYSTEM_PATH_CACHE_MAX_ENTRIES (${REDFISH_SYSTEM_PATH_CACHE_MAX_ENTRIES}) entries, evicting the oldest`, () => {
    const cache = new RedfishSystemPathCache();
    for (let i = 0; i <= REDFISH_SYSTEM_PATH_CACHE_MAX_ENTRIES; i++) cache.set(`host-${i}`, `/redfish/v1/Systems/${i}`);
    expect(cache.size).toBe(REDFISH_SYSTEM_PATH_CACHE_MAX_ENTRIES);
    expect(cache.get('host-0')).toBeUndefined();
    expect(cache.get(`host-${REDFISH_SYSTEM_PATH_CACHE_MAX_ENTRIES}`)).toBe(`/redfish/v1/Systems/${REDFISH_SYSTEM_PATH_CACHE_MAX_ENTRIES}`);
  });
});
