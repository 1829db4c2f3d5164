/**
 * Our Redfish driver against the metal3-dev-env kind of BMC: sushy-tools' libvirt driver over real
 * TCG domains (lab/libvirt-lab.ts). Virtual media by an HTTPS URL, the Cd boot override in UEFI and
 * Legacy mode, real boots of the inserted ISO (the serial console shows the marker and the firmware
 * mode), eject, UEFI secure boot through the SecureBoot resource, and what sushy-tools 2.2.0 makes
 * of UefiHttp with HttpBootUri.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDir } from '../../helpers/temp-dir.js';
import { parseBmcAddress } from '../../../src/api/bmc-address.js';
import type { OperationContext } from '../../../src/bmc/driver.js';
import { RedfishClient } from '../../../src/bmc/redfish/redfish-client.js';
import { RedfishDriver } from '../../../src/bmc/redfish/redfish-driver.js';
import { UnsupportedDriverError } from '../../../src/errors.js';
import { startLibvirtLab, type LibvirtLab, type SushyFeatureSet } from '../../../lab/libvirt-lab.js';
import { OVMF_SECBOOT_CODE, SEABIOS_ROM } from '../../../lab/libvirt-domain.js';
import { buildMarkerIso } from '../../../lab/marker-iso.js';
import { freePort } from '../../../lab/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-redfish-libvirt-'));
const MARKER = `MF-VMEDIA-${randomBytes(3).toString('hex')}`;
/** A TCG boot of the marker ISO takes ~20 s here; generous for a loaded 2-core CI runner. */
const BOOT_WAIT_MS = 240_000;
const ctx = (): OperationContext => ({ opId: 'op', heartbeat: () => undefined, signal: new AbortController().signal });
const fast = { pollMs: 250, powerStateTimeoutMs: 60_000, softPowerOffTimeoutMs: 20_000, retryDelayMs: 100 };
let lab: LibvirtLab;
let images: Server;
let isoUrl = '';
const fetched: string[] = [];

beforeAll(async () => {
  mkdirSync(join(dir, 'iso'));
  const iso = readFileSync(buildMarkerIso({ dir: join(dir, 'iso'), marker: MARKER }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const port = await freePort();
  const path = `/vmedia/${randomBytes(8).toString('hex')}/marker.iso`;
  images = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    fetched.push(`${req.method} ${req.url}`);
    if (req.url !== path) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': iso.length }).end(iso);
  });
  await new Promise<void>((r) => images.listen(port, '127.0.0.1', r));
  isoUrl = `https://127.0.0.1:${port}${path}`;
  lab = await startLibvirtLab({
    dir: join(dir, 'lab'),
    machines: [
      { name: 'uefi', firmware: 'uefi' },
      { name: 'bios', firmware: 'legacy' },
      { name: 'secure', firmware: 'uefi-secureboot' },
    ],
    featureSets: ['vmedia', 'full'],
  });
}, 180_000);

afterAll(async () => {
  await lab?.stop();
  images?.close();
  removeTempDir(dir);
});

const driver = (name: string, fs: SushyFeatureSet = 'vmedia'): RedfishDriver => new RedfishDriver(parseBmcAddress(lab.bmcAddress(name, 'redfish-virtualmedia+http', fs)), lab.credentials, true, fast);
const client = (fs: SushyFeatureSet = 'vmedia'): RedfishClient => new RedfishClient({ origin: lab.bmc(fs).url, ...lab.credentials, verifyCertificate: true });

/** Powers the machine on and waits for the ISO's marker; the ISO powers the machine off itself. */
async function bootAndSee(name: string, d: RedfishDriver, expected: string): Promise<void> {
  const from = lab.serial(name).length;
  await d.setPower(ctx(), true);
  const log = await lab.waitForSerial(name, `${MARKER} ${expected}`, BOOT_WAIT_MS, from);
  expect(log.slice(from)).toContain(`${MARKER} ${expected}`);
  await d.setPower(ctx(), false, { force: true });
}

describe('Redfish driver against sushy-tools libvirt driver (TCG domains)', () => {
  it('inserts an ISO by HTTPS URL, boots it once from Cd in UEFI mode, and ejects it', async () => {
    const d = driver('uefi');
    const { uuid } = lab.machine('uefi');
    await d.insertVirtualMedia(ctx(), isoUrl);
    await d.setBootDevice(ctx(), 'cdrom', { mode: 'UEFI' });
    expect(fetched).toContain(`GET ${new URL(isoUrl).pathname}`); // the BMC itself fetched it over TLS
    // The domain already boots UEFI (the emulator reports it), so no BootSourceOverrideMode is sent.
    expect(lab.bmc().requests()).toEqual([
      { kind: 'insert', system: uuid, device: 'Cd', image: isoUrl },
      { kind: 'boot-device', system: uuid, device: 'Cd' },
    ]);
    const state = lab.bootState('uefi');
    expect(state).toMatchObject({ loaderType: 'pflash', loader: OVMF_SECBOOT_CODE, secure: false });
    expect(state.bootOrder[0]).toBe('cdrom');
    expect(state.cdroms).toHaveLength(1);
    const media = await client().get(`${lab.machine('uefi').systemPath}/VirtualMedia/Cd`);
    expect(media).toMatchObject({ Inserted: true, Image: isoUrl });

    await bootAndSee('uefi', d, 'firmware=uefi secureboot=off');

    await d.ejectVirtualMedia(ctx());
    expect(lab.bootState('uefi').cdroms).toEqual([]);
    expect(await client().get(`${lab.machine('uefi').systemPath}/VirtualMedia/Cd`)).toMatchObject({ Inserted: false, Image: '' });
    expect(lab.bmc().requests().at(-1)).toEqual({ kind: 'eject', system: uuid, device: 'Cd' });
  });

  it('boots the ISO from Cd in Legacy mode (SeaBIOS)', async () => {
    const d = driver('bios');
    await d.insertVirtualMedia(ctx(), isoUrl);
    await d.setBootDevice(ctx(), 'cdrom', { mode: 'legacy' });
    expect(lab.bmc().requests().filter((r) => r.system === lab.machine('bios').uuid && r.kind === 'boot-mode')).toEqual([{ kind: 'boot-mode', system: lab.machine('bios').uuid, mode: 'Legacy' }]);
    expect(lab.bootState('bios')).toMatchObject({ loaderType: 'rom', loader: SEABIOS_ROM, secure: false });
    expect(lab.bootState('bios').bootOrder[0]).toBe('cdrom');
    await bootAndSee('bios', d, 'firmware=bios secureboot=off');
    await d.ejectVirtualMedia(ctx());
  });

  it('enables UEFI secure boot through the SecureBoot resource (full feature set; the vmedia set has none)', async () => {
    await expect(driver('uefi', 'vmedia').setSecureBoot(ctx(), true)).rejects.toThrow(UnsupportedDriverError);
    const d = driver('uefi', 'full');
    const path = `${lab.machine('uefi').systemPath}/SecureBoot`;
    expect(await client('full').get(path)).toMatchObject({ SecureBootEnable: false });
    await d.setSecureBoot(ctx(), true);
    expect(await client('full').get(path)).toMatchObject({ SecureBootEnable: true, SecureBootCurrentBoot: 'Enabled' });
    expect(lab.bmc('full').requests()).toContainEqual({ kind: 'secure-boot', system: lab.machine('uefi').uuid, enabled: true });
    const state = lab.bootState('uefi');
    expect(state).toMatchObject({ loaderType: 'pflash', loader: OVMF_SECBOOT_CODE, secure: true, nvramTemplate: join(lab.dir, 'OVMF_VARS_4M.secboot-nokeys.fd') });
    // The secure-boot firmware really starts and boots the (unsigned) ISO: no keys are enrolled.
    await d.insertVirtualMedia(ctx(), isoUrl);
    await d.setBootDevice(ctx(), 'cdrom', { mode: 'UEFI' });
    expect(lab.bootState('uefi').secure).toBe(true); // a UEFI boot override keeps secure boot on
    await bootAndSee('uefi', d, 'firmware=uefi');
    await d.ejectVirtualMedia(ctx());
    // Why the driver sends a mode only when it changes: on this emulator any BootSourceOverrideMode
    // rebuilds the firmware, and UEFI → UEFI turns secure boot off.
    await client('full').patch(lab.machine('uefi').systemPath, { Boot: { BootSourceOverrideMode: 'UEFI' } });
    expect(lab.bootState('uefi').secure).toBe(false);
    expect(await client('full').get(path)).toMatchObject({ SecureBootEnable: false });
    // A machine defined with secure boot: the emulator reports it on.
    expect(await client('full').get(`${lab.machine('secure').systemPath}/SecureBoot`)).toMatchObject({ SecureBootEnable: true });
  });

  it('UefiHttp with HttpBootUri: sushy-tools 2.2.0 downloads the URI and boots it as a virtual CD', async () => {
    const { uuid, systemPath } = lab.machine('secure');
    await client().patch(systemPath, { Boot: { BootSourceOverrideTarget: 'UefiHttp', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI', HttpBootUri: isoUrl } });
    expect(lab.bmc().requests().filter((r) => r.system === uuid)).toEqual([
      { kind: 'boot-device', system: uuid, device: 'Cd' },
      { kind: 'boot-mode', system: uuid, mode: 'UEFI' },
    ]);
    const state = lab.bootState('secure');
    expect(state.bootOrder[0]).toBe('cdrom');
    expect(state.cdroms).toHaveLength(1);
    expect(((await client().get(systemPath)).Boot as Record<string, unknown>).HttpBootUri).toBe(isoUrl);
    // Without HttpBootUri it falls back to network boot (Pxe): the NIC first.
    await client().patch(systemPath, { Boot: { BootSourceOverrideTarget: 'UefiHttp', BootSourceOverrideEnabled: 'Once' } });
    expect(lab.bmc().requests().at(-1)).toEqual({ kind: 'boot-device', system: uuid, device: 'Pxe' });
    expect(lab.bootState('secure').bootOrder[0]).toBe('network');
  });
});
