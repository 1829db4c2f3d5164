import { describe, expect, it } from 'vitest';
import { httpBaseUrl } from '../../../src/boot/boot-services.js';
import { bootSettingsFromEnv } from '../../../src/config/boot-settings.js';

describe('boot services settings', () => {
  it('leaves DHCP, TFTP and HTTP off unless DHCP is asked for', () => {
    const s = bootSettingsFromEnv({}, '/data', 6385);
    expect(s.dhcp).toBeUndefined();
    expect(s.tftp).toBeUndefined();
    expect(s.http).toBeUndefined();
    expect(s.apiUrl).toBe('http://127.0.0.1:6385');
  });

  it('full mode: range, options, TFTP and HTTP on their Metal3 ports', () => {
    const s = bootSettingsFromEnv({ METALFLOW_DHCP_MODE: 'full', METALFLOW_DHCP_RANGE: '10.0.0.100, 10.0.0.200', METALFLOW_BOOT_IP: '10.0.0.1', METALFLOW_DHCP_DNS: '10.0.0.53', METALFLOW_DHCP_LEASE: '2h' }, '/data', 6385);
    expect(s.dhcp).toMatchObject({ mode: 'full', port: 67, range: ['10.0.0.100', '10.0.0.200'], dns: ['10.0.0.53'], leaseSeconds: 7200, allowUnknown: false });
    expect(s.tftp).toEqual({ host: '10.0.0.1', port: 69, root: '/usr/lib/ipxe' });
    expect(s.http).toMatchObject({ port: 80, agentDir: '/data/agent', imagesDir: '/data/images' });
    expect(httpBaseUrl(s)).toBe('http://10.0.0.1');
    expect(s.apiUrl).toBe('http://10.0.0.1:6385');
  });

  it('rejects a mode it does not know and a full mode without a range', () => {
    expect(() => bootSettingsFromEnv({ METALFLOW_DHCP_MODE: 'on' }, '/data', 6385)).toThrow(/off, full or proxy/);
    expect(() => bootSettingsFromEnv({ METALFLOW_DHCP_MODE: 'full' }, '/data', 6385)).toThrow(/METALFLOW_DHCP_RANGE/);
    expect(bootSettingsFromEnv({ METALFLOW_DHCP_MODE: 'proxy' }, '/data', 6385).dhcp?.mode).toBe('proxy');
  });

  it('chooses the static server: Node by default, nginx (and its binary) when asked, nothing else', () => {
    const on = { METALFLOW_HTTP: 'true' };
    expect(bootSettingsFromEnv(on, '/data', 6385).http?.staticServer).toBe('node');
    expect(bootSettingsFromEnv({ ...on, METALFLOW_BOOT_STATIC_SERVER: 'nginx', METALFLOW_NGINX: '/opt/nginx' }, '/data', 6385).http).toMatchObject({ staticServer: 'nginx', nginxBinary: '/opt/nginx' });
    expect(bootSettingsFromEnv({ ...on, METALFLOW_BOOT_STATIC_SERVER: 'nginx' }, '/data', 6385).http?.nginxBinary).toBe('nginx');
    expect(() => bootSettingsFromEnv({ ...on, METALFLOW_BOOT_STATIC_SERVER: 'httpd' }, '/data', 6385)).toThrow(/METALFLOW_BOOT_STATIC_SERVER=httpd: expected node or nginx/);
  });
});
