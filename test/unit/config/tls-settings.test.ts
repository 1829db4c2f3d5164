import { describe, expect, it } from 'vitest';
import { httpBaseUrl, mediaBaseUrl } from '../../../src/boot/boot-services.js';
import { bootSettingsFromEnv } from '../../../src/config/boot-settings.js';
import { DEFAULT_VMEDIA_TLS_PORT, tlsMaterialSettingsFromEnv } from '../../../src/config/tls-settings.js';

describe('TLS settings of a boot worker', () => {
  it('is off by default: plain HTTP agent API and media URLs, nothing to load', () => {
    const s = bootSettingsFromEnv({ METALFLOW_BOOT_IP: '10.0.0.1' }, '/data', 6385);
    expect(s.tls).toBeUndefined();
    expect(s.apiUrl).toBe('http://10.0.0.1:6385');
    expect(tlsMaterialSettingsFromEnv({}, '/data', 'default')).toBeUndefined();
    const withHttp = bootSettingsFromEnv({ METALFLOW_BOOT_IP: '10.0.0.1', METALFLOW_HTTP: '1', METALFLOW_HTTP_PORT: '8080' }, '/data', 6385);
    expect(mediaBaseUrl(withHttp)).toBe('http://10.0.0.1:8080');
  });

  it('METALFLOW_TLS=on: HTTPS agent API, media on Metal3\'s vmediaTLSPort, the boot server even without DHCP, no plain HTTP unless asked', () => {
    expect(DEFAULT_VMEDIA_TLS_PORT).toBe(8083); // ironic-image scripts/runhttpd: VMEDIA_TLS_PORT=${VMEDIA_TLS_PORT:-8083}
    const s = bootSettingsFromEnv({ METALFLOW_BOOT_IP: '10.0.0.1', METALFLOW_TLS: 'on' }, '/data', 6385);
    expect(s.apiUrl).toBe('https://10.0.0.1:6385');
    expect(s.tls).toEqual({ vmediaPort: 8083 });
    expect(s.http).toMatchObject({ host: '10.0.0.1', plain: false, agentDir: '/data/agent' });
    expect(mediaBaseUrl(s)).toBe('https://10.0.0.1:8083');
    const m = tlsMaterialSettingsFromEnv({ METALFLOW_BOOT_IP: '10.0.0.1', METALFLOW_TLS: 'on' }, '/data', 'rack-2');
    expect(m).toEqual({ dir: '/data/tls/rack-2', subjectAltNames: ['10.0.0.1'] });
  });

  it('keeps plain HTTP beside TLS when asked (iPXE on a PXE network), and adds 443 when set', () => {
    const s = bootSettingsFromEnv({ METALFLOW_BOOT_IP: '10.0.0.1', METALFLOW_TLS: 'on', METALFLOW_DHCP_MODE: 'proxy', METALFLOW_HTTPS_PORT: '443', METALFLOW_VMEDIA_TLS_PORT: '6183' }, '/data', 6385);
    expect(s.http).toMatchObject({ port: 80, plain: true });
    expect(s.tls).toEqual({ vmediaPort: 6183, httpsPort: 443 });
    expect(httpBaseUrl(s)).toBe('http://10.0.0.1');
    expect(mediaBaseUrl(s)).toBe('https://10.0.0.1:6183');
  });

  it('certificate files from the settings (as Ironic\'s IRONIC_CERT_FILE, _KEY_FILE, _CACERT_FILE) turn TLS on', () => {
    const env = { METALFLOW_BOOT_IP: '10.0.0.1', METALFLOW_TLS_CERT_FILE: '/certs/tls.crt', METALFLOW_TLS_KEY_FILE: '/certs/tls.key', METALFLOW_TLS_CA_FILE: '/certs/ca.crt', METALFLOW_TLS_SANS: 'boot.example, 10.0.0.5', METALFLOW_TLS_DIR: '/tls' };
    expect(bootSettingsFromEnv(env, '/data', 6385).apiUrl).toBe('https://10.0.0.1:6385');
    expect(tlsMaterialSettingsFromEnv(env, '/data', 'default')).toEqual({ files: { certFile: '/certs/tls.crt', keyFile: '/certs/tls.key', caFile: '/certs/ca.crt' }, dir: '/tls', subjectAltNames: ['10.0.0.1', 'boot.example', '10.0.0.5'] });
    // ...unless TLS is switched off explicitly.
    expect(bootSettingsFromEnv({ ...env, METALFLOW_TLS: 'off' }, '/data', 6385).apiUrl).toBe('http://10.0.0.1:6385');
  });

  it('refuses half a certificate, an unknown switch value and bad ports', () => {
    expect(() => tlsMaterialSettingsFromEnv({ METALFLOW_TLS_CERT_FILE: '/c' }, '/data', 'default')).toThrow(/METALFLOW_TLS_KEY_FILE/);
    expect(() => bootSettingsFromEnv({ METALFLOW_TLS: 'yes please' }, '/data', 6385)).toThrow(/METALFLOW_TLS=yes please: expected on or off/);
    expect(() => bootSettingsFromEnv({ METALFLOW_TLS: 'on', METALFLOW_VMEDIA_TLS_PORT: '70000' }, '/data', 6385)).toThrow(/METALFLOW_VMEDIA_TLS_PORT/);
  });
});
