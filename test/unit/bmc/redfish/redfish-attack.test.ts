/**
 * A hostile Redfish BMC on loopback: links that leave the BMC's origin (where the worker would send
 * the BMC credentials), redirects to other hosts, huge bodies, huge collections, an endless
 * inspection walk and a body that trickles. The driver must refuse each with a typed error, send
 * nothing to any other origin, and stop reading early.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBmcAddress } from '../../../../src/api/bmc-address.js';
import type { OperationContext } from '../../../../src/bmc/driver.js';
import { REDFISH_MAX_BODY_BYTES, REDFISH_MAX_REDIRECTS } from '../../../../src/bmc/redfish/redfish-client.js';
import { INVENTORY_MAX_TEXT } from '../../../../src/bmc/redfish/redfish-inventory.js';
import { REDFISH_MAX_INSPECTION_RESOURCES, REDFISH_MAX_MEMBERS, RedfishDriver, type RedfishDriverOptions } from '../../../../src/bmc/redfish/redfish-driver.js';
import { BmcForeignUrlError, BmcResponseLimitError, BmcUnreachableError, RedfishRequestError } from '../../../../src/errors.js';
import { closeAll, hugeBody, json, peer, trickle, type Peer } from '../../../helpers/hostile-http.js';

afterEach(closeAll);

const creds = { username: 'admin', password: 'bmc-secret-pw' };
const ctx: OperationContext = { opId: 'x', heartbeat: () => undefined, signal: new AbortController().signal };
const link = (path: string): { '@odata.id': string } => ({ '@odata.id': path });
const SYSTEM = '/redfish/v1/Systems/1';

/** A BMC serving `resources` by path (POSTs answered 204); anything else 404. */
function bmc(resources: Record<string, unknown>): Promise<Peer> {
  return peer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') return void res.writeHead(204).end();
    const r = resources[req.url ?? ''];
    if (r === undefined) return void res.writeHead(404).end('{}');
    json(res, r);
  });
}

const driver = (b: Peer, path = '', opts: RedfishDriverOptions = {}): RedfishDriver =>
  new RedfishDriver(parseBmcAddress(`redfish+http://127.0.0.1:${b.port}${path}`), creds, true, { retryDelayMs: 1, pollMs: 5, ...opts });

/** The error `call` fails with (undefined if it succeeds). */
const failure = (call: Promise<unknown>): Promise<Error | undefined> =>
  call.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

/** `err` is a `type`, and neither its message nor its context names the BMC password. */
function expectRefusal(err: Error | undefined, type: new (...a: never[]) => Error): Error {
  expect(err).toBeInstanceOf(type);
  expect(err?.message).not.toContain(creds.password);
  expect(JSON.stringify((err as { context?: unknown }).context ?? {})).not.toContain(creds.password);
  return err as Error;
}

/** The call fails with `type` (see expectRefusal). */
const refused = async (call: Promise<unknown>, type: new (...a: never[]) => Error): Promise<Error> => expectRefusal(await failure(call), type);

describe('hostile Redfish BMC: links outside its origin', () => {
  it.each([
    ['an absolute URL to another port', (w: Peer) => `http://127.0.0.1:${w.port}${SYSTEM}`],
    ['a scheme-relative URL', (w: Peer) => `//127.0.0.1:${w.port}${SYSTEM}`],
    ['a path starting with a backslash (a slash to URL parsers)', (w: Peer) => `/\\127.0.0.1:${w.port}${SYSTEM}`],
    ['a value that turns the origin into user info when concatenated', (w: Peer) => `@127.0.0.1:${w.port}${SYSTEM}`],
    ['an absolute URL with user info', (w: Peer) => `http://admin:other@127.0.0.1:${w.port}${SYSTEM}`],
    ['another scheme', () => 'file:///etc/passwd'],
    ['a relative reference (Redfish links are absolute paths)', () => 'redfish/v1/Systems/1'],
  ])('refuses a system member that is %s, and sends nothing there', async (_what, value) => {
    const witness = await peer();
    const b = await bmc({ '/redfish/v1/Systems': { Members: [link(value(witness))] } });
    const err = await failure(driver(b).register());
    expect(witness.seen).toEqual([]);
    expect(b.seen.map((s) => s.url)).toEqual(['/redfish/v1/Systems']);
    expect(expectRefusal(err, BmcForeignUrlError).message).toContain(b.origin);
  });

  it('refuses user info even on the BMC origin itself, and keeps it out of the error', async () => {
    const resources: Record<string, unknown> = { [SYSTEM]: { PowerState: 'On' } };
    const b = await bmc(resources);
    resources['/redfish/v1/Systems'] = { Members: [link(`http://admin:leaked@127.0.0.1:${b.port}${SYSTEM}`)] };
    const err = await failure(driver(b).register());
    expect(b.seen.map((s) => s.url)).toEqual(['/redfish/v1/Systems']);
    expect(expectRefusal(err, BmcForeignUrlError).message).not.toContain('leaked');
  });

  it('accepts the absolute paths and same-origin URLs real BMCs send', async () => {
    const resources: Record<string, unknown> = { '/redfish/v1/Systems': { Members: [link(`${SYSTEM}#frag`)] }, [SYSTEM]: { PowerState: 'On' } };
    const b = await bmc(resources);
    expect(await driver(b).register()).toEqual({ poweredOn: true });
    resources['/redfish/v1/Systems'] = { Members: [link(`${b.origin}${SYSTEM}`)] };
    expect(await driver(b).register()).toEqual({ poweredOn: true });
    expect(b.seen.map((s) => s.url)).toEqual(['/redfish/v1/Systems', SYSTEM, '/redfish/v1/Systems', SYSTEM]);
  });

  it('refuses foreign action targets, VirtualMedia, Manager and inventory links', async () => {
    const witness = await peer();
    const away = (p: string): string => `@127.0.0.1:${witness.port}${p}`;
    const b = await bmc({
      [SYSTEM]: {
        PowerState: 'Off',
        Actions: { '#ComputerSystem.Reset': { target: away('/reset') } },
        Links: { ManagedBy: [link(away('/redfish/v1/Managers/1'))] },
        EthernetInterfaces: link(`http://127.0.0.1:${witness.port}/nics`),
      },
    });
    const d = driver(b, SYSTEM);
    for (const call of [() => d.setPower(ctx, true), () => d.insertVirtualMedia(ctx, 'http://images/boot.iso'), () => d.inspectOutOfBand()]) {
      const err = await failure(call());
      expect(witness.seen).toEqual([]);
      expectRefusal(err, BmcForeignUrlError);
    }

    const media = await bmc({
      [SYSTEM]: { PowerState: 'On', VirtualMedia: link('/redfish/v1/Systems/1/VirtualMedia') },
      '/redfish/v1/Systems/1/VirtualMedia': { Members: [link('/redfish/v1/Systems/1/VirtualMedia/Cd')] },
      '/redfish/v1/Systems/1/VirtualMedia/Cd': { MediaTypes: ['CD'], Inserted: false, Actions: { '#VirtualMedia.InsertMedia': { target: `//127.0.0.1:${witness.port}/insert` } } },
    });
    const err = await failure(driver(media, SYSTEM).insertVirtualMedia(ctx, 'http://images/boot.iso'));
    expect(witness.seen).toEqual([]);
    expectRefusal(err, BmcForeignUrlError);
  });
});

describe('hostile Redfish BMC: redirects', () => {
  it('does not follow a redirect to another origin, for GET or POST', async () => {
    const witness = await peer();
    const b = await peer((_req, res) => void res.writeHead(307, { location: `http://127.0.0.1:${witness.port}${SYSTEM}` }).end());
    const get = await failure(driver(b, SYSTEM).register());
    expect(witness.seen).toEqual([]);
    expectRefusal(get, BmcForeignUrlError);
    const posts = await peer((req, res) => {
      if (req.method === 'POST') return void res.writeHead(308, { location: `http://127.0.0.1:${witness.port}/reset` }).end();
      json(res, { PowerState: 'Off' });
    });
    const post = await failure(driver(posts, SYSTEM).setPower(ctx, true));
    expect(witness.seen).toEqual([]);
    expectRefusal(post, BmcForeignUrlError);
  });

  it('follows a redirect within the BMC origin, a bounded number of times', async () => {
    const b = await peer((req, res) => {
      if (req.url === SYSTEM) return void res.writeHead(301, { location: `${SYSTEM}/` }).end();
      json(res, { PowerState: 'On' });
    });
    expect(await driver(b, SYSTEM).register()).toEqual({ poweredOn: true });
    const posts = await peer((req, res) => {
      if (req.method === 'POST') return void res.writeHead(307, { location: '/elsewhere' }).end();
      json(res, { PowerState: 'Off' });
    });
    await refused(driver(posts, SYSTEM).setPower(ctx, true), RedfishRequestError); // same origin, but only GETs are followed
    expect(posts.seen.map((r) => r.url)).not.toContain('/elsewhere');
    const loop = await peer((req, res) => void res.writeHead(302, { location: `${SYSTEM}?n=${b.seen.length}` }).end());
    await refused(driver(loop, SYSTEM).register(), BmcResponseLimitError);
    expect(loop.seen).toHaveLength(REDFISH_MAX_REDIRECTS + 1);
  });
});

describe('hostile Redfish BMC: sizes', () => {
  it('stops reading a 100 MiB body at the cap', async () => {
    const huge = hugeBody(100 * 2 ** 20);
    const b = await peer(huge.handler);
    const err = await failure(driver(b, SYSTEM, { attempts: 1 }).register());
    const sent = await huge.done;
    expect(sent.finished).toBe(false); // the client hung up
    expect(sent.written).toBeLessThan(REDFISH_MAX_BODY_BYTES + 16 * 2 ** 20); // cap plus socket buffers, far from 100 MiB
    expect(expectRefusal(err, BmcResponseLimitError).message).toContain(String(REDFISH_MAX_BODY_BYTES));
  });

  it('refuses a body whose declared length is over the cap without reading it', async () => {
    const b = await peer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(REDFISH_MAX_BODY_BYTES + 1) });
      res.write('{');
    });
    await refused(driver(b, SYSTEM, { attempts: 1 }).register(), BmcResponseLimitError);
  });

  it('refuses 10 000-member collections and link arrays', async () => {
    const many = (prefix: string): Array<{ '@odata.id': string }> => Array.from({ length: 10_000 }, (_, i) => link(`${prefix}/${i}`));
    const systems = await bmc({ '/redfish/v1/Systems': { Members: many('/redfish/v1/Systems') } });
    const err = await failure(driver(systems).register());
    expect(err?.message.length).toBeLessThan(1000);
    expect(JSON.stringify((err as { context?: unknown }).context).length).toBeLessThan(1000); // context goes to history
    expect(expectRefusal(err, BmcResponseLimitError).message).toContain(String(REDFISH_MAX_MEMBERS));

    const nics = await bmc({ [SYSTEM]: { EthernetInterfaces: link('/nics') }, '/nics': { Members: many('/nics') } });
    const nicErr = await failure(driver(nics, SYSTEM).inspectOutOfBand());
    expect(nics.seen.map((s) => s.url)).toEqual([SYSTEM, '/nics']); // no member was fetched
    expectRefusal(nicErr, BmcResponseLimitError);

    const drives = await bmc({ [SYSTEM]: { Storage: link('/storage') }, '/storage': { Members: [link('/storage/1')] }, '/storage/1': { Drives: many('/d') } });
    const driveErr = await failure(driver(drives, SYSTEM).inspectOutOfBand());
    expect(drives.seen).toHaveLength(3);
    expectRefusal(driveErr, BmcResponseLimitError);
  });

  it('clips the texts a BMC reports and drops malformed MACs before they reach the inventory (workflow history)', async () => {
    const big = 'x'.repeat(2 ** 19); // five of them in the System: within the body cap
    const b = await bmc({
      [SYSTEM]: { Manufacturer: big, Model: big, SerialNumber: big, BiosVersion: big, ProcessorSummary: { Model: big }, EthernetInterfaces: link('/nics'), SimpleStorage: link('/simple') },
      '/nics': { Members: [link('/nics/1'), link('/nics/2'), link('/nics/3')] },
      '/nics/1': { Name: big, MACAddress: '52:54:00:00:00:01' },
      '/nics/3': { Name: 'eth2', MACAddress: '52-54-00-00-00-03' }, // the dash form Redfish allows
      '/nics/2': { Name: 'eth1', MACAddress: `52:54:00:00:00:02${big}` },
      '/simple': { Members: [link('/simple/1')] },
      '/simple/1': { Devices: [{ Name: big, Model: big, CapacityBytes: 1 }] },
    });
    const hw = await driver(b, SYSTEM).inspectOutOfBand();
    expect(JSON.stringify(hw).length).toBeLessThan(4096);
    expect(hw.nics?.map((n) => n.mac)).toEqual(['52:54:00:00:00:01', '52:54:00:00:00:03']);
    expect(hw.systemVendor?.manufacturer).toBe(`${'x'.repeat(INVENTORY_MAX_TEXT)}…`);
  });

  it('bounds the number of resources one inspection reads', async () => {
    const controllers = 3;
    const perController = 500; // each list within the member cap, the walk over the read cap
    const resources: Record<string, unknown> = {
      [SYSTEM]: { Storage: link('/storage') },
      '/storage': { Members: Array.from({ length: controllers }, (_, c) => link(`/storage/${c}`)) },
    };
    for (let c = 0; c < controllers; c++) resources[`/storage/${c}`] = { Drives: Array.from({ length: perController }, (_, i) => link(`/d/${c}/${i}`)) };
    const b = await peer((req, res) => json(res, resources[req.url ?? ''] ?? { CapacityBytes: 1 }));
    const err = await failure(driver(b, SYSTEM).inspectOutOfBand());
    expect(b.seen.length).toBeLessThanOrEqual(REDFISH_MAX_INSPECTION_RESOURCES + 1); // + the System itself
    expect(perController).toBeLessThanOrEqual(REDFISH_MAX_MEMBERS);
    expect(controllers * perController).toBeGreaterThan(REDFISH_MAX_INSPECTION_RESOURCES);
    expectRefusal(err, BmcResponseLimitError);
  }, 60_000); // a thousand loopback requests, one at a time: slow on a loaded 2-core runner
});

describe('hostile Redfish BMC: time', () => {
  it('gives up on a body that trickles a byte at a time, within the request deadline', async () => {
    const b = await peer(trickle(10)); // each byte well inside the per-chunk body timeout
    const err = await refused(driver(b, SYSTEM, { attempts: 1, requestTimeoutMs: 150 }).register(), BmcUnreachableError);
    expect(err.message).toMatch(/no complete answer within/);
  });
});
