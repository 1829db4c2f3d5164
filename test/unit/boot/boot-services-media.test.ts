import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentMediaDirFor, httpBaseUrl, mediaBaseUrl, startBootServices, type BootServicesSettings } from '../../../src/boot/boot-services.js';
import { BootConfigStore } from '../../../src/boot/boot-config.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'boot-media-'));
afterAll(() => removeTempDir(dir));

describe('boot services: agent media', () => {
  it("removes the network's leftover ISOs at start (not another network's) and serves media from the HTTP boot server's URL", async () => {
    const own = agentMediaDirFor(dir, 'rack-a');
    const other = agentMediaDirFor(dir, 'rack-b');
    for (const d of [own, other]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'left-over.iso'), 'a host network Secret');
    }
    const settings: BootServicesSettings = {
      bootIp: '127.0.0.1',
      http: { host: '127.0.0.1', port: 0, agentDir: dir, imagesDir: dir, firmwareDir: dir },
      agent: { kernel: 'k', initramfs: 'i', extraKernelParams: '', insecure: false },
      apiUrl: 'http://127.0.0.1:6385',
    };
    const running = await startBootServices(settings, new BootConfigStore(), dir, () => undefined, 'rack-a');
    try {
      expect(readdirSync(own)).toEqual([]);
      expect(statSync(own).mode & 0o777).toBe(0o700);
      expect(readdirSync(other)).toEqual(['left-over.iso']);
      expect(running.media).toBeDefined();
      expect(mediaBaseUrl(settings)).toBe(httpBaseUrl(settings));
    } finally {
      await running.close();
    }
  });
});
