/**
 * Bind where you serve: every boot-plane listener (agent API, HTTP boot, TFTP) binds the
 * provisioning address by default, loopback when none is configured, and the wildcard address
 * only when a setting says so explicitly. (DHCP, which must receive broadcasts, is not here.)
 */
import { describe, expect, it } from 'vitest';
import { agentApiSettingsFromEnv } from '../../../src/config/agent-api-settings.js';
import { bootSettingsFromEnv } from '../../../src/config/boot-settings.js';

const on = { METALFLOW_HTTP: 'true', METALFLOW_TFTP: 'true' };

describe('listener bind addresses', () => {
  it('binds loopback when no provisioning address is configured (the dev setup)', () => {
    const s = bootSettingsFromEnv(on, '/data', 6385);
    expect(s.http?.host).toBe('127.0.0.1');
    expect(s.tftp?.host).toBe('127.0.0.1');
    expect(agentApiSettingsFromEnv({})).toMatchObject({ host: '127.0.0.1', port: 6385 });
  });

  it('binds the provisioning address (METALFLOW_BOOT_IP) by default, never the wildcard', () => {
    const env = { ...on, METALFLOW_BOOT_IP: '172.22.0.1' };
    const s = bootSettingsFromEnv(env, '/data', 6385);
    expect(s.http?.host).toBe('172.22.0.1');
    expect(s.tftp?.host).toBe('172.22.0.1');
    expect(agentApiSettingsFromEnv(env).host).toBe('172.22.0.1');
  });

  it('binds 0.0.0.0 only when a listener is configured so', () => {
    const env = { ...on, METALFLOW_BOOT_IP: '172.22.0.1', METALFLOW_HTTP_HOST: '0.0.0.0', METALFLOW_TFTP_HOST: '0.0.0.0', METALFLOW_AGENT_API_HOST: '0.0.0.0', METALFLOW_AGENT_API_PORT: '16385' };
    const s = bootSettingsFromEnv(env, '/data', 6385);
    expect(s.http?.host).toBe('0.0.0.0');
    expect(s.tftp?.host).toBe('0.0.0.0');
    expect(agentApiSettingsFromEnv(env)).toMatchObject({ host: '0.0.0.0', port: 16385 });
  });

  it('refuses a bind address that is not an IP address', () => {
    expect(() => agentApiSettingsFromEnv({ METALFLOW_AGENT_API_HOST: 'everywhere' })).toThrow(/METALFLOW_AGENT_API_HOST/);
    expect(() => bootSettingsFromEnv({ ...on, METALFLOW_HTTP_HOST: 'any' }, '/data', 6385)).toThrow(/METALFLOW_HTTP_HOST/);
    expect(() => agentApiSettingsFromEnv({ METALFLOW_AGENT_API_PORT: 'http' })).toThrow(/METALFLOW_AGENT_API_PORT/);
  });
});
