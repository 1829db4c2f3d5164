/**
 * Redfish driver paths sushy-tools does not exercise, against a loopback stub BMC: VirtualMedia
 * found only under the Manager (as on many iDRAC/iLO models), and reset types limited by
 * `ResetType@Redfish.AllowableValues`; boot override bodies (Cd, UefiHttp with HttpBootUri, the
 * boot mode) and the SecureBoot resource.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBmcAddress } from '../../../../src/api/bmc-address.js';
import type { OperationContext } from '../../../../src/bmc/driver.js';
import { RedfishDriver } from '../../../../src/bmc/redfish/redfish-driver.js';
import { UnsupportedDriverError } from '../../../../src/errors.js';
import { STUB_SYSTEM_PATH, startRedfishStub, type RedfishStub } from '../../../helpers/redfish-stub.js';

let server: Server | undefined;
afterEach(() => server?.close());
const ctx: OperationContext = { opId: 'x', heartbeat: () => undefined, signal: new AbortController().signal };

async function stubBmc(resources: Record<string, Record<string, unknown>>): Promise<{ port: number; posts: Array<{ url: string; body: unknown }>; patches: Array<{ url: string; body: unknown }> }> {
  const posts: Array<{ url: string; body: unknown }> = [];
  const patches: Array<{ url: string; body: unknown }> = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'POST') {
        posts.push({ url: req.url ?? '', body: JSON.parse(body || '{}') });
        if (req.url?.endsWith('ComputerSystem.Reset')) {
          const sys = resources['/redfish/v1/Systems/1'];
          if (sys) sys.PowerState = (JSON.parse(body) as { ResetType: string }).ResetType === 'ForceOff' ? 'Off' : 'On';
        }
        if (req.url?.includes('InsertMedia')) Object.assign(resources['/redfish/v1/Managers/1/VirtualMedia/2'] ?? {}, { Inserted: true });
        return res.writeHead(204).end();
      }
      if (req.method === 'PATCH') {
        patches.push({ url: req.url ?? '', body: JSON.parse(body || '{}') });
        const target = resources[req.url ?? ''] ?? {};
        // One level deep, as a BMC applies a PATCH of Boot: the properties not named stay.
        for (const [k, v] of Object.entries(JSON.parse(body || '{}') as Record<string, unknown>)) target[k] = v && typeof v === 'object' && typeof target[k] === 'object' ? { ...(target[k] as object), ...v } : v;
        return res.writeHead(204).end();
      }
      const r = resources[req.url ?? ''];
      if (!r) return res.writeHead(404).end('{}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(r));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, posts, patches };
}

describe('Redfish driver on a stub BMC', () => {
  it('finds VirtualMedia under the Manager and picks the CD device', async () => {
    const { port, posts } = await stubBmc({
      '/redfish/v1/Systems/1': { PowerState: 'Off', Links: { ManagedBy: [{ '@odata.id': '/redfish/v1/Managers/1' }] } },
      '/redfish/v1/Managers/1': { VirtualMedia: { '@odata.id': '/redfish/v1/Managers/1/VirtualMedia' } },
      '/redfish/v1/Managers/1/VirtualMedia': { Members: [{ '@odata.id': '/redfish/v1/Managers/1/VirtualMedia/1' }, { '@odata.id': '/redfish/v1/Managers/1/VirtualMedia/2' }] },
      '/redfish/v1/Managers/1/VirtualMedia/1': { MediaTypes: ['Floppy', 'USBStick'], Inserted: false },
      '/redfish/v1/Managers/1/VirtualMedia/2': {
        MediaTypes: ['CD', 'DVD'],
        Inserted: false,
        Actions: { '#VirtualMedia.InsertMedia': { target: '/redfish/v1/Managers/1/VirtualMedia/2/Actions/VirtualMedia.InsertMedia' } },
      },
    });
    const d = new RedfishDriver(parseBmcAddress(`idrac-virtualmedia+http://127.0.0.1:${port}/redfish/v1/Systems/1`), { username: 'u', password: 'p' }, true);
    await d.insertVirtualMedia(ctx, 'http://images/boot.iso');
    expect(posts).toEqual([{ url: '/redfish/v1/Managers/1/VirtualMedia/2/Actions/VirtualMedia.InsertMedia', body: { Image: 'http://images/boot.iso', Inserted: true, WriteProtected: true } }]);
  });

  it('uses ForceOn when the BMC does not allow On, and the advertised action target', async () => {
    const { port, posts } = await stubBmc({
      '/redfish/v1/Systems/1': {
        PowerState: 'Off',
        Actions: { '#ComputerSystem.Reset': { target: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', 'ResetType@Redfish.AllowableValues': ['ForceOn', 'ForceOff'] } },
      },
    });
    const d = new RedfishDriver(parseBmcAddress(`redfish+http://127.0.0.1:${port}/redfish/v1/Systems/1`), { username: 'u', password: 'p' }, true, { pollMs: 10 });
    await d.setPower(ctx, true);
    await d.setPower(ctx, false); // no GracefulShutdown allowed: straight to ForceOff
    expect(posts.map((p) => (p.body as { ResetType: string }).ResetType)).toEqual(['ForceOn', 'ForceOff']);
  });

  it('sends BootSourceOverrideMode only when the system is in another mode (a repeated UEFI would turn secure boot off on sushy-tools)', async () => {
    const { port, patches } = await stubBmc({ '/redfish/v1/Systems/1': { PowerState: 'Off', Boot: { BootSourceOverrideMode: 'UEFI' } } });
    const d = new RedfishDriver(parseBmcAddress(`redfish-virtualmedia+http://127.0.0.1:${port}/redfish/v1/Systems/1`), { username: 'u', password: 'p' }, true);
    await d.setBootDevice(ctx, 'cdrom', { mode: 'UEFI' });
    await d.setBootDevice(ctx, 'disk', { mode: 'legacy' });
    expect(patches.map((p) => p.body)).toEqual([
      { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } },
      { Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'Legacy' } },
    ]);
  });
});

describe('Redfish boot overrides and secure boot (issue 12)', () => {
  let bmc: RedfishStub | undefined;
  afterEach(async () => bmc?.close());
  const driver = async (opts: { secureBoot?: boolean } = {}): Promise<RedfishDriver> => {
    bmc = await startRedfishStub({ power: 'Off', ...opts });
    return new RedfishDriver(parseBmcAddress(`redfish-virtualmedia+http://${bmc.url.slice('http://'.length)}${STUB_SYSTEM_PATH}`), { username: 'u', password: 'p' }, true, { pollMs: 10 });
  };
  const patches = (): unknown[] => (bmc?.requests ?? []).filter((r) => r.method === 'PATCH').map((r) => ({ url: r.url, body: r.body }));

  it.each([
    ['cdrom', { mode: 'UEFI' }, { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' }],
    ['disk', { persistent: true, mode: 'legacy' }, { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous', BootSourceOverrideMode: 'Legacy' }],
    ['uefihttp', { mode: 'UEFI', httpBootUri: 'https://boot.test/agent.iso' }, { BootSourceOverrideTarget: 'UefiHttp', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI', HttpBootUri: 'https://boot.test/agent.iso' }],
  ] as const)('sends %s %j as one Boot PATCH', async (device, opts, boot) => {
    const d = await driver();
    await d.setBootDevice(ctx, device, opts);
    expect(patches()).toEqual([{ url: STUB_SYSTEM_PATH, body: { Boot: boot } }]);
  });

  it('refuses UEFI HTTP boot in legacy mode (the firmware cannot)', async () => {
    const d = await driver();
    await expect(d.setBootDevice(ctx, 'uefihttp', { mode: 'legacy', httpBootUri: 'https://boot.test/agent.iso' })).rejects.toThrow(UnsupportedDriverError);
    expect(patches()).toEqual([]);
  });

  it('turns secure boot on and off through the SecureBoot resource, only when it differs', async () => {
    const d = await driver();
    await d.setSecureBoot(ctx, true);
    await d.setSecureBoot(ctx, true); // already on: no request
    await d.setSecureBoot(ctx, false);
    expect(patches()).toEqual([
      { url: `${STUB_SYSTEM_PATH}/SecureBoot`, body: { SecureBootEnable: true } },
      { url: `${STUB_SYSTEM_PATH}/SecureBoot`, body: { SecureBootEnable: false } },
    ]);
  });

  it('reports a BMC without a SecureBoot resource as unable (non-retryable)', async () => {
    const d = await driver({ secureBoot: false });
    await expect(d.setSecureBoot(ctx, true)).rejects.toThrow(UnsupportedDriverError);
  });
});
