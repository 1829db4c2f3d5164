/**
 * The Redfish driver against sushy-tools (the Redfish emulator Metal3 uses), on loopback:
 * registration, power, boot override, virtual media, out-of-band inspection, system discovery,
 * bad credentials and TLS certificate handling.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDir } from '../../helpers/temp-dir.js';
import { parseBmcAddress } from '../../../src/api/bmc-address.js';
import type { OperationContext } from '../../../src/bmc/driver.js';
import { RedfishClient } from '../../../src/bmc/redfish/redfish-client.js';
import { RedfishDriver } from '../../../src/bmc/redfish/redfish-driver.js';
import { BmcAuthenticationError, BmcCertificateError, RedfishRequestError } from '../../../src/errors.js';
import { startSushy, type Sushy } from '../../../lab/sushy-emulator.js';
import { freePort } from '../../../lab/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-redfish-'));
const A = { uuid: '11111111-1111-4111-8111-111111111111', name: 'node-a', mac: '52:54:00:aa:00:01' };
const B = { uuid: '22222222-2222-4222-8222-222222222222', name: 'node-b', mac: '52:54:00:bb:00:02' };
const creds = { username: 'admin', password: 'redfish-pw' };
const ctx = (): OperationContext => ({ opId: 'op', heartbeat: () => undefined, signal: new AbortController().signal });
const fast = { pollMs: 250, powerStateTimeoutMs: 30_000, softPowerOffTimeoutMs: 20_000, retryDelayMs: 100 };
let sushy: Sushy;
let tlsSushy: Sushy;
let images: Server;
let imageUrl = '';

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  [sushy, tlsSushy] = await Promise.all([
    startSushy({ dir: join(dir, 'plain'), systems: [A, B], ...creds }),
    startSushy({ dir: join(dir, 'tls'), systems: [A], ...creds, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } }),
  ]);
  // sushy-tools downloads inserted virtual media: serve a small ISO-sized file on loopback.
  writeFileSync(join(dir, 'boot.iso'), Buffer.alloc(64 * 1024, 1));
  const port = await freePort();
  images = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(Buffer.alloc(64 * 1024, 1));
  }).listen(port, '127.0.0.1');
  imageUrl = `http://127.0.0.1:${port}/boot.iso`;
}, 120_000);

afterAll(async () => {
  await Promise.all([sushy?.stop(), tlsSushy?.stop()]);
  images?.close();
  removeTempDir(dir);
});

const driver = (address: string, c = creds): RedfishDriver => new RedfishDriver(parseBmcAddress(address), c, true, fast);

describe('Redfish driver against sushy-tools', () => {
  it('registers and reports power', async () => {
    const d = driver(`redfish+http://127.0.0.1:${sushy.port}${sushy.systemPath(A.uuid)}`);
    expect(await d.register()).toEqual({ poweredOn: false });
  });

  it('powers on, soft off, reboots and force off, waiting for the BMC to apply each change', async () => {
    const d = driver(`redfish+http://127.0.0.1:${sushy.port}${sushy.systemPath(A.uuid)}`);
    await d.setPower(ctx(), true);
    expect(await d.getPowerState()).toBe(true);
    await d.reboot(ctx(), 'hard');
    expect(await d.getPowerState()).toBe(true);
    await d.setPower(ctx(), false); // GracefulShutdown
    expect(await d.getPowerState()).toBe(false);
    await d.setPower(ctx(), true);
    await d.setPower(ctx(), false, { force: true }); // ForceOff
    expect(await d.getPowerState()).toBe(false);
  });

  it('sets the boot override device and mode', async () => {
    const d = driver(`redfish+http://127.0.0.1:${sushy.port}${sushy.systemPath(B.uuid)}`);
    const client = new RedfishClient({ origin: sushy.url, ...creds, verifyCertificate: true });
    await d.setBootDevice(ctx(), 'pxe', { mode: 'UEFI' });
    expect(((await client.get(sushy.systemPath(B.uuid))).Boot as Record<string, unknown>).BootSourceOverrideTarget).toBe('Pxe');
    await d.setBootDevice(ctx(), 'cdrom', { persistent: true, mode: 'legacy' });
    const boot = (await client.get(sushy.systemPath(B.uuid))).Boot as Record<string, unknown>;
    expect(boot.BootSourceOverrideTarget).toBe('Cd');
    expect(boot.BootSourceOverrideMode).toBe('Legacy');
    await d.setBootDevice(ctx(), 'disk', { persistent: true, mode: 'UEFI' });
  });

  it('inserts and ejects virtual media on the virtual CD', async () => {
    const d = driver(`redfish-virtualmedia+http://127.0.0.1:${sushy.port}${sushy.systemPath(A.uuid)}`);
    const client = new RedfishClient({ origin: sushy.url, ...creds, verifyCertificate: true });
    await d.insertVirtualMedia(ctx(), imageUrl);
    await d.insertVirtualMedia(ctx(), imageUrl); // a retried step finds it done
    const cd = await client.get(`${sushy.systemPath(A.uuid)}/VirtualMedia/Cd`);
    expect(cd).toMatchObject({ Inserted: true, Image: imageUrl });
    await d.ejectVirtualMedia(ctx());
    expect((await client.get(`${sushy.systemPath(A.uuid)}/VirtualMedia/Cd`)).Inserted).toBe(false);
  });

  it('inspects out of band: vendor and NICs with MACs (what the fake system exposes)', async () => {
    const hw = await driver(`redfish+http://127.0.0.1:${sushy.port}${sushy.systemPath(B.uuid)}`).inspectOutOfBand();
    expect(hw.systemVendor?.manufacturer).toBe('Sushy Emulator');
    expect(hw.nics?.map((n) => n.mac)).toEqual([B.mac]);
  });

  it('discovers the system when the address has no path, and refuses to guess among several', async () => {
    const insecure = new RedfishDriver(parseBmcAddress(`redfish+https://127.0.0.1:${tlsSushy.port}`), creds, false, fast);
    expect(await insecure.register()).toEqual({ poweredOn: false });
    const ambiguous = driver(`redfish+http://127.0.0.1:${sushy.port}`);
    await expect(ambiguous.register()).rejects.toThrow(RedfishRequestError);
    await expect(ambiguous.register()).rejects.toThrow(/BMC has 2 systems; put the system path in the BMC address/);
  });

  it('reports bad credentials as such', async () => {
    const d = driver(`redfish+http://127.0.0.1:${sushy.port}${sushy.systemPath(A.uuid)}`, { username: 'admin', password: 'wrong' });
    await expect(d.register()).rejects.toThrow(BmcAuthenticationError);
    await expect(d.register()).rejects.toThrow(/bad credentials/);
  });

  it('reports an untrusted certificate, and honours disableCertificateVerification', async () => {
    const address = parseBmcAddress(`redfish+https://127.0.0.1:${tlsSushy.port}${tlsSushy.systemPath(A.uuid)}`);
    await expect(new RedfishDriver(address, creds, true, fast).register()).rejects.toThrow(BmcCertificateError);
    await expect(new RedfishDriver(address, creds, true, fast).register()).rejects.toThrow(/disableCertificateVerification/);
    expect(await new RedfishDriver(address, creds, false, fast).register()).toEqual({ poweredOn: false });
  });
});
