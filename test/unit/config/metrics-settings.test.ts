import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_HOST, metricsSettingsFromEnv } from '../../../src/config/metrics-settings.js';

describe('metrics listener settings', () => {
  it('is off unless METALFLOW_METRICS_PORT is set, and loopback by default', () => {
    expect(metricsSettingsFromEnv({})).toBeUndefined();
    expect(metricsSettingsFromEnv({ METALFLOW_METRICS_PORT: 'off' })).toBeUndefined();
    expect(metricsSettingsFromEnv({ METALFLOW_METRICS_PORT: '9464' })).toEqual({ host: DEFAULT_METRICS_HOST, port: 9464 });
    expect(DEFAULT_METRICS_HOST).toBe('127.0.0.1');
    expect(metricsSettingsFromEnv({ METALFLOW_METRICS_PORT: '0', METALFLOW_METRICS_HOST: '::1' })).toEqual({ host: '::1', port: 0 });
  });

  it('refuses a port that is not one', () => {
    for (const p of ['x', '-1', '65536', '1.5']) expect(() => metricsSettingsFromEnv({ METALFLOW_METRICS_PORT: p })).toThrow(/METALFLOW_METRICS_PORT/);
  });
});
