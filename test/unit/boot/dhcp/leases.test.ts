/**
 * The lease file: one per provisioning network, written atomically, and read defensively — a
 * crash mid-write, a damaged file or an oversized one never loses the last good leases or stops
 * the boot services from starting.
 */
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BootConfigStore } from '../../../../src/boot/boot-config.js';
import { leaseFileFor, startBootServices } from '../../../../src/boot/boot-services.js';
import { LEASE_FILE_MAX_BYTES, LeaseStore } from '../../../../src/boot/dhcp/leases.js';
import type { BootServicesSettings } from '../../../../src/boot/boot-services.js';
import { clientBytes } from '../../../helpers/dhcp-packets.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';

const HOST = '52:54:00:00:00:01';
const RANGE: [string, string] = ['10.10.0.100', '10.10.0.102'];
let dir = '';
let file = '';
const warnings: string[] = [];
const log = (_level: 'debug' | 'info' | 'warn', message: string): void => void warnings.push(message);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leases-'));
  file = join(dir, 'leases.json');
  warnings.length = 0;
});
afterEach(() => removeTempDir(dir));

describe('DHCP lease file', () => {
  it('a leftover (torn) temp file from a crash mid-write does not replace the last good leases', () => {
    new LeaseStore({ range: RANGE, file }).bind(HOST, '10.10.0.101', 3_600_000);
    writeFileSync(`${file}.tmp`, '[{"mac":"52:54:00:00:00:09","ip":"10.10');
    const back = new LeaseStore({ range: RANGE, file, log });
    expect(back.get(HOST)).toMatchObject({ ip: '10.10.0.101', bound: true });
    expect(back.all()).toHaveLength(1);
  });

  it('a truncated lease file does not stop start-up: a warning, an empty store, and the next write replaces it', () => {
    writeFileSync(file, '[{"mac":"52:54:00:00:00:01","ip":"10.10.0.1');
    const store = new LeaseStore({ range: RANGE, file, log });
    expect(store.all()).toEqual([]);
    expect(warnings.join('\n')).toMatch(/lease file .* unreadable/);
    store.bind(HOST, '10.10.0.100', 3_600_000);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject([{ mac: HOST, ip: '10.10.0.100' }]);
  });

  it('a write that fails keeps the last good file and the in-memory lease (no throw into the server)', () => {
    const store = new LeaseStore({ range: RANGE, file, log });
    store.bind(HOST, '10.10.0.100', 3_600_000);
    mkdirSync(`${file}.tmp`); // the temp file cannot be created
    expect(() => store.bind('52:54:00:00:00:02', '10.10.0.101', 3_600_000)).not.toThrow();
    expect(store.get('52:54:00:00:00:02')).toMatchObject({ ip: '10.10.0.101' });
    expect(warnings.join('\n')).toMatch(/could not write the lease file/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(1);
  });

  it('loads at most one lease per pool address, skips malformed entries, and ignores a file over LEASE_FILE_MAX_BYTES', () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({ mac: `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, ip: `10.10.0.${100 + (i % 3)}`, expiresAt: 9e12, bound: true }));
    writeFileSync(file, JSON.stringify([{ mac: 7, ip: {} }, null, ...entries]));
    const store = new LeaseStore({ range: RANGE, file, log });
    expect(store.all()).toHaveLength(3);
    expect(new Set(store.all().map((l) => l.ip)).size).toBe(3);

    writeFileSync(file, Buffer.alloc(LEASE_FILE_MAX_BYTES + 1, 0x20));
    expect(new LeaseStore({ range: RANGE, file, log }).all()).toEqual([]);
    expect(warnings.join('\n')).toMatch(/larger than/);
  });
});

describe('one lease file per provisioning network', () => {
  it('two networks sharing a data directory keep separate lease files', async () => {
    const store = new BootConfigStore();
    store.set({ mac: HOST, uuid: 'u1', name: 'h1', action: 'local' });
    const settings: BootServicesSettings = {
      bootIp: '127.0.0.1',
      dhcp: { mode: 'full', host: '127.0.0.1', port: 0, proxyPort: 0, range: ['127.0.0.100', '127.0.0.200'], subnetMask: '255.0.0.0', dns: [], leaseSeconds: 600, allowUnknown: false, replyDelayMs: 0 },
      agent: { kernel: 'k', initramfs: 'i', extraKernelParams: '', insecure: false },
      apiUrl: 'http://127.0.0.1:6385',
    };
    const a = await startBootServices(settings, store, dir, () => undefined, 'rack-a');
    const b = await startBootServices(settings, store, dir, () => undefined, 'rack-b');
    const client = createSocket('udp4');
    try {
      for (const [svc, ip] of [[a, '127.0.0.150'], [b, '127.0.0.160']] as const) {
        const port = svc.dhcp?.ports()[0] as number;
        const answered = svc.dhcp?.stats.answered ?? 0;
        // Relayed (giaddr on loopback), so the ACK goes back to loopback, not a broadcast.
        await new Promise<void>((res) => client.send(clientBytes('request', { mac: HOST, requested: ip, giaddr: '127.0.0.1' }), port, '127.0.0.1', () => res()));
        for (let i = 0; i < 100 && svc.dhcp?.stats.answered === answered; i++) await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      client.close();
      await a.close();
      await b.close();
    }
    expect(leaseFileFor(dir, 'rack-a')).toBe(join(dir, 'dhcp-leases-rack-a.json'));
    expect(JSON.parse(readFileSync(leaseFileFor(dir, 'rack-a'), 'utf8'))).toMatchObject([{ mac: HOST, ip: '127.0.0.150' }]);
    expect(JSON.parse(readFileSync(leaseFileFor(dir, 'rack-b'), 'utf8'))).toMatchObject([{ mac: HOST, ip: '127.0.0.160' }]);
    expect(existsSync(join(dir, 'dhcp-leases.json'))).toBe(false);
    expect(() => leaseFileFor(dir, '../etc')).toThrow(/provisioning network/);
  });
});
