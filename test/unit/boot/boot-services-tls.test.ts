/**
 * The boot server over TLS: the same content on the vmedia TLS port (and the optional second
 * HTTPS port), verifying against the worker's CA; its plain HTTP listener only when asked.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../lab/processes.js';
import { portOf } from '../../../src/agent/http-server.js';
import { BootConfigStore } from '../../../src/boot/boot-config.js';
import { startBootServices, type BootServicesSettings, type RunningBootServices } from '../../../src/boot/boot-services.js';
import { ensureGeneratedMaterial, type GeneratedMaterial } from '../../../src/tls/generated-material.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-boot-tls-'));
let m: GeneratedMaterial;
let trusting: Agent;
beforeAll(async () => {
  m = await ensureGeneratedMaterial(join(dir, 'tls'), ['127.0.0.1']);
  trusting = new Agent({ connect: { ca: m.caPem } });
  mkdirSync(join(dir, 'agent'));
  writeFileSync(join(dir, 'agent', 'agent.iso'), 'iso bytes');
});
afterAll(async () => {
  await trusting.close();
  removeTempDir(dir);
});

function settings(plain: boolean): BootServicesSettings {
  return {
    bootIp: '127.0.0.1',
    http: { host: '127.0.0.1', port: 0, plain, agentDir: join(dir, 'agent'), imagesDir: join(dir, 'images'), firmwareDir: join(dir, 'fw') },
    tls: { vmediaPort: 0, httpsPort: 0 },
    agent: { kernel: 'k', initramfs: 'i', extraKernelParams: '', insecure: false },
    apiUrl: 'https://127.0.0.1:6385',
  };
}
const quiet = (): undefined => undefined;

describe('boot services with TLS', () => {
  let running: RunningBootServices | undefined;
  afterAll(async () => running?.close());

  it('serves the boot content over HTTPS on both TLS ports, verifying against the CA, and no plain HTTP unless asked', async () => {
    running = await startBootServices(settings(false), new BootConfigStore(), dir, quiet, 'default', { cert: m.certPem, key: m.keyPem });
    expect(running.http).toBeUndefined();
    expect(running.https).toHaveLength(2);
    for (const server of running.https ?? []) {
      const res = await request(`https://127.0.0.1:${portOf(server)}/agent/agent.iso`, { dispatcher: trusting });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('iso bytes');
      await expect(request(`https://127.0.0.1:${portOf(server)}/agent/agent.iso`)).rejects.toThrow(/certificate/);
    }
    await running.close();
    running = undefined;
  });

  it('keeps the plain listener beside TLS when asked', async () => {
    running = await startBootServices(settings(true), new BootConfigStore(), dir, quiet, 'default', { cert: m.certPem, key: m.keyPem });
    const plain = await request(`http://127.0.0.1:${portOf(running.http!)}/agent/agent.iso`);
    expect(await plain.body.text()).toBe('iso bytes');
    await running.close();
    running = undefined;
  });

  it('publishes agent ISOs at HTTPS URLs on the vmedia TLS port, with the CA the agent is to trust inside', async () => {
    const vmediaPort = await freePort();
    writeFileSync(join(dir, 'agent', 'k'), 'KERNEL');
    writeFileSync(join(dir, 'agent', 'i'), 'INITRAMFS');
    running = await startBootServices({ ...settings(false), tls: { vmediaPort } }, new BootConfigStore(), dir, quiet, 'default', { cert: m.certPem, key: m.keyPem, caPem: m.caPem });
    const { url } = (await running.media?.prepare({ uuid: 'u1', session: 's1', bootMac: '52:54:00:12:34:56' })) ?? { url: '' };
    expect(url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${vmediaPort}/media/[\\w-]+/agent\\.iso$`));
    const res = await request(url, { dispatcher: trusting });
    expect(res.statusCode).toBe(200);
    // ISO 9660 and the overlay cpio store files as they are: the PEM is there byte for byte.
    expect(Buffer.from(await res.body.arrayBuffer()).includes(m.caPem)).toBe(true);
    await running.close();
    running = undefined;
  });

  it('refuses to start TLS listeners without a certificate', async () => {
    await expect(startBootServices(settings(false), new BootConfigStore(), dir, quiet, 'default')).rejects.toThrow(/certificate/);
  });
});
